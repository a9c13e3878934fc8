package eventstream.readiness.sas;

import javax.security.auth.callback.Callback;

/**
 * Asks the broker's key holder (SasKeyCallbackHandler) to judge a connection string presented as the PLAIN
 * password; answers with the principal name of the key, or with why the login fails (never with a secret).
 */
final class ConnectionStringCallback implements Callback {
  final String password;
  private String principalName;
  private String failure = "the key could not be checked";

  ConnectionStringCallback(String password) {
    this.password = password;
  }

  void accept(String principalName) {
    this.principalName = principalName;
  }

  void refuse(String why) {
    this.failure = why;
  }

  /** Null unless the key was accepted. */
  String principalName() {
    return principalName;
  }

  String failure() {
    return failure;
  }
}
