package eventstream.readiness.sas;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import javax.security.sasl.SaslServerFactory;
import org.apache.kafka.common.errors.SaslAuthenticationException;

/**
 * SASL/PLAIN as Event Hubs' Kafka endpoint speaks it: the username is the literal $ConnectionString and the
 * password a connection string. Unlike Kafka's own PlainSaslServer, whose authorization id (and so principal) is
 * the username, the same for every key, this one sets the authorization id to the key that logged in
 * (SasPrincipal), which the authorizer reads. Kafka sends a SaslAuthenticationException's message to the client.
 */
public final class ConnectionStringSaslServer implements SaslServer {
  static final String MECHANISM = "PLAIN";
  static final String USERNAME = "$ConnectionString";

  private final CallbackHandler callbackHandler;
  private String authorizationId;

  ConnectionStringSaslServer(CallbackHandler callbackHandler) {
    this.callbackHandler = callbackHandler;
  }

  @Override
  public byte[] evaluateResponse(byte[] response) throws SaslException {
    // RFC 4616: [authzid] NUL authcid NUL passwd
    String[] tokens = new String(response, StandardCharsets.UTF_8).split("\u0000", -1);
    if (tokens.length != 3) throw new SaslAuthenticationException("Authentication failed: a PLAIN message has 3 fields, found " + tokens.length);
    String requested = tokens[0];
    String username = tokens[1];
    if (!USERNAME.equals(username)) {
      throw new SaslAuthenticationException("Authentication failed: the username must be the literal " + USERNAME + " (a shell may have expanded it)");
    }
    if (!requested.isEmpty() && !requested.equals(username)) {
      throw new SaslAuthenticationException("Authentication failed: Client requested an authorization id that is different from username");
    }
    ConnectionStringCallback callback = new ConnectionStringCallback(tokens[2]);
    try {
      callbackHandler.handle(new Callback[] {callback});
    } catch (UnsupportedCallbackException | IOException e) {
      throw new SaslAuthenticationException("Authentication failed: the broker's SASL callback handler is not " + SasKeyCallbackHandler.class.getName(), e);
    }
    if (callback.principalName() == null) throw new SaslAuthenticationException("Authentication failed: " + callback.failure());
    authorizationId = callback.principalName();
    return new byte[0];
  }

  @Override
  public String getMechanismName() {
    return MECHANISM;
  }

  @Override
  public boolean isComplete() {
    return authorizationId != null;
  }

  @Override
  public String getAuthorizationID() {
    if (!isComplete()) throw new IllegalStateException("Authentication exchange has not completed");
    return authorizationId;
  }

  @Override
  public Object getNegotiatedProperty(String propName) {
    if (!isComplete()) throw new IllegalStateException("Authentication exchange has not completed");
    return null;
  }

  @Override
  public byte[] unwrap(byte[] incoming, int offset, int len) {
    if (!isComplete()) throw new IllegalStateException("Authentication exchange has not completed");
    return java.util.Arrays.copyOfRange(incoming, offset, offset + len);
  }

  @Override
  public byte[] wrap(byte[] outgoing, int offset, int len) {
    if (!isComplete()) throw new IllegalStateException("Authentication exchange has not completed");
    return java.util.Arrays.copyOfRange(outgoing, offset, offset + len);
  }

  @Override
  public void dispose() {
  }

  /** Found by javax.security.sasl.Sasl through SasKeysProviderCreator's provider, ahead of Kafka's own PLAIN. */
  public static final class Factory implements SaslServerFactory {
    @Override
    public SaslServer createSaslServer(String mechanism, String protocol, String serverName, Map<String, ?> props, CallbackHandler cbh) throws SaslException {
      if (!MECHANISM.equals(mechanism)) throw new SaslException(String.format("Mechanism '%s' is not supported. Only PLAIN is supported.", mechanism));
      return new ConnectionStringSaslServer(cbh);
    }

    @Override
    public String[] getMechanismNames(Map<String, ?> props) {
      // As Kafka's PlainSaslServerFactory: PLAIN sends the password in the clear (inside TLS here).
      if (props == null) return new String[] {MECHANISM};
      String noPlainText = (String) props.get(Sasl.POLICY_NOPLAINTEXT);
      return "true".equals(noPlainText) ? new String[] {} : new String[] {MECHANISM};
    }
  }
}
