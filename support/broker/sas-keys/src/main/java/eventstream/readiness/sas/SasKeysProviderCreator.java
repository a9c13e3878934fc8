package eventstream.readiness.sas;

import java.security.Provider;
import org.apache.kafka.common.security.auth.SecurityProviderCreator;

/**
 * Named in the broker's security.providers: Kafka inserts each such provider at the front of the JCA list
 * (SecurityUtils.addConfiguredSecurityProviders), ahead of its own PLAIN provider, which it only appends, so
 * javax.security.sasl.Sasl.createSaslServer("PLAIN", ...) finds ConnectionStringSaslServer first.
 */
public final class SasKeysProviderCreator implements SecurityProviderCreator {
  @Override
  public Provider getProvider() {
    return new SasKeysProvider();
  }

  static final class SasKeysProvider extends Provider {
    private static final long serialVersionUID = 1L;

    SasKeysProvider() {
      super("EventstreamReadinessSasKeys", "1.0", "SASL/PLAIN reading an Event Hubs connection string as the password");
      put("SaslServerFactory." + ConnectionStringSaslServer.MECHANISM, ConnectionStringSaslServer.Factory.class.getName());
    }
  }
}
