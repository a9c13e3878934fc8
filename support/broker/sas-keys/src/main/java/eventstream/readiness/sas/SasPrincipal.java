package eventstream.readiness.sas;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * What a login with a key becomes: Kafka's default principal builder makes a PLAIN login "User:" + the SASL
 * authorization id, and our SASL server sets that id to "sas:KEY_NAME:ENTITY:RIGHTS" (ENTITY empty for a
 * namespace key). Kafka topic names cannot hold ":", so the fields parse back unambiguously; being a plain
 * User principal, it also survives Kafka's forwarding of requests from broker to controller.
 */
final class SasPrincipal {
  private static final String PREFIX = "sas:";

  final String keyName;
  /** Null for a namespace-level key. */
  final String entity;
  final Set<SasKey.Right> rights;

  private SasPrincipal(String keyName, String entity, Set<SasKey.Right> rights) {
    this.keyName = keyName;
    this.entity = entity;
    this.rights = rights;
  }

  static String format(String keyName, String entity, Set<SasKey.Right> rights) {
    String list = rights.stream().map(r -> r.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(","));
    return PREFIX + keyName + ":" + (entity == null ? "" : entity) + ":" + list;
  }

  /** The key behind a principal, or null when the principal is not one of ours (the broker's own listeners). */
  static SasPrincipal of(KafkaPrincipal principal) {
    if (principal == null || !KafkaPrincipal.USER_TYPE.equals(principal.getPrincipalType())) return null;
    String name = principal.getName();
    if (!name.startsWith(PREFIX)) return null;
    String[] fields = name.substring(PREFIX.length()).split(":", -1);
    if (fields.length != 3) return null;
    EnumSet<SasKey.Right> rights = EnumSet.noneOf(SasKey.Right.class);
    for (String right : fields[2].split(",")) {
      if (!right.isEmpty()) rights.add(SasKey.Right.valueOf(right.toUpperCase(Locale.ROOT)));
    }
    return new SasPrincipal(fields[0], fields[1].isEmpty() ? null : fields[1], rights);
  }

  boolean may(SasKey.Right right) {
    return rights.contains(right);
  }
}
