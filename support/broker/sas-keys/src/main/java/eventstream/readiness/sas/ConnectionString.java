package eventstream.readiness.sas;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An Event Hubs connection string: Endpoint=sb://HOST/;SharedAccessKeyName=NAME;SharedAccessKey=KEY[;EntityPath=TOPIC]. */
final class ConnectionString {
  private static final Pattern ENDPOINT = Pattern.compile("^sb://([^/;]+)/?$", Pattern.CASE_INSENSITIVE);

  final String endpointHost;
  final String keyName;
  final String key;
  /** Null when the connection string names no event hub. */
  final String entityPath;

  private ConnectionString(String endpointHost, String keyName, String key, String entityPath) {
    this.endpointHost = endpointHost;
    this.keyName = keyName;
    this.key = key;
    this.entityPath = entityPath;
  }

  /** Null when the text is not of that shape (part names are case-insensitive, as in Microsoft's clients). */
  static ConnectionString parse(String text) {
    Map<String, String> parts = new HashMap<>();
    for (String segment : text.trim().split(";")) {
      int eq = segment.indexOf('=');
      if (eq <= 0) continue;
      parts.put(segment.substring(0, eq).trim().toLowerCase(Locale.ROOT), segment.substring(eq + 1).trim());
    }
    Matcher endpoint = ENDPOINT.matcher(parts.getOrDefault("endpoint", ""));
    String keyName = parts.getOrDefault("sharedaccesskeyname", "");
    String key = parts.getOrDefault("sharedaccesskey", "");
    if (!endpoint.matches() || keyName.isEmpty() || key.isEmpty()) return null;
    String entity = parts.getOrDefault("entitypath", "");
    return new ConnectionString(endpoint.group(1), keyName, key, entity.isEmpty() ? null : entity);
  }
}
