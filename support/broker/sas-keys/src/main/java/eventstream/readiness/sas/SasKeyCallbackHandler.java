package eventstream.readiness.sas;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;

/**
 * The keys this broker issued, read from the listener's JAAS options (the standard place for a SASL server's
 * credentials): endpoint_host="localhost" and one sas_NAME="ENTITY RIGHTS KEY" per key. Checks a connection string
 * as Event Hubs does: the Endpoint must name this namespace, SharedAccessKeyName and SharedAccessKey must match an
 * issued key, and an EntityPath, when both the key and the connection string carry one, must be the key's own.
 * Configured as listener.name.sasl_ssl.plain.sasl.server.callback.handler.class.
 */
public final class SasKeyCallbackHandler implements AuthenticateCallbackHandler {
  private static final String KEY_OPTION_PREFIX = "sas_";
  private final Map<String, SasKey> keys = new HashMap<>();
  private String endpointHost;

  @Override
  public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> jaasConfigEntries) {
    for (AppConfigurationEntry entry : jaasConfigEntries) {
      for (Map.Entry<String, ?> option : entry.getOptions().entrySet()) {
        String name = option.getKey();
        if ("endpoint_host".equals(name)) endpointHost = String.valueOf(option.getValue());
        if (name.startsWith(KEY_OPTION_PREFIX)) {
          String keyName = name.substring(KEY_OPTION_PREFIX.length());
          keys.put(keyName, SasKey.parse(keyName, String.valueOf(option.getValue())));
        }
      }
    }
    if (endpointHost == null || keys.isEmpty()) {
      throw new ConfigException("the SASL_SSL listener's JAAS config needs endpoint_host=\"HOST\" and at least one sas_NAME=\"ENTITY RIGHTS KEY\" option");
    }
  }

  @Override
  public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
    for (Callback callback : callbacks) {
      if (!(callback instanceof ConnectionStringCallback)) throw new UnsupportedCallbackException(callback);
      judge((ConnectionStringCallback) callback);
    }
  }

  private void judge(ConnectionStringCallback callback) {
    ConnectionString cs = ConnectionString.parse(callback.password);
    if (cs == null) {
      callback.refuse("the password is not an Event Hubs connection string (Endpoint=sb://HOST/;SharedAccessKeyName=NAME;SharedAccessKey=KEY[;EntityPath=TOPIC])");
      return;
    }
    // A key of another namespace is unknown here, whatever its name: Event Hubs refuses the login.
    if (!cs.endpointHost.equalsIgnoreCase(endpointHost)) {
      callback.refuse("the connection string's Endpoint (sb://" + cs.endpointHost + "/) is not this namespace (sb://" + endpointHost + "/)");
      return;
    }
    SasKey key = keys.get(cs.keyName);
    // One message for an unknown name and a wrong key, so a refusal tells nobody which key names exist.
    if (key == null || !key.matches(cs.key)) {
      callback.refuse("invalid SharedAccessKeyName or SharedAccessKey for sb://" + endpointHost + "/");
      return;
    }
    if (key.entity != null && cs.entityPath != null && !key.entity.equals(cs.entityPath)) {
      callback.refuse("key " + key.name + " belongs to EntityPath=" + key.entity + ", not EntityPath=" + cs.entityPath);
      return;
    }
    callback.accept(key.principalName());
  }

  @Override
  public void close() {
    keys.clear();
  }
}
