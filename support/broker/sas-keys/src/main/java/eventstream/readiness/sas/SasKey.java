package eventstream.readiness.sas;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * One shared access key the broker issued, as an Event Hubs SAS policy: a name, a secret, the event hub it belongs
 * to (none: a namespace-level policy, which reaches every event hub) and its rights (Send, Listen, Manage).
 */
final class SasKey {
  enum Right { SEND, LISTEN, MANAGE }

  final String name;
  /** The event hub (Kafka topic) the key is scoped to, or null for a namespace-level key. */
  final String entity;
  final Set<Right> rights;
  private final byte[] secret;

  private SasKey(String name, String entity, Set<Right> rights, byte[] secret) {
    this.name = name;
    this.entity = entity;
    this.rights = rights;
    this.secret = secret;
  }

  /** Reads a JAAS option value "ENTITY RIGHTS KEY": ENTITY is a topic or "*" (namespace), RIGHTS e.g. "send,listen". */
  static SasKey parse(String name, String option) {
    String[] parts = option.trim().split("\\s+");
    if (parts.length != 3) {
      throw new IllegalArgumentException("key " + name + ": expected \"<entity or *> <rights> <key>\", found " + parts.length + " fields");
    }
    EnumSet<Right> rights = EnumSet.noneOf(Right.class);
    for (String right : parts[1].split(",")) {
      rights.add(Right.valueOf(right.trim().toUpperCase(Locale.ROOT)));
    }
    // Event Hubs' Manage right includes Send and Listen.
    if (rights.contains(Right.MANAGE)) rights.addAll(EnumSet.allOf(Right.class));
    return new SasKey(name, "*".equals(parts[0]) ? null : parts[0], rights, parts[2].getBytes(StandardCharsets.UTF_8));
  }

  /** Constant-time comparison, so the time a refusal takes tells nothing about the key. */
  boolean matches(String presented) {
    return MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
  }

  String principalName() {
    return SasPrincipal.format(name, entity, rights);
  }
}
