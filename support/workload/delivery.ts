// Delivery accounting: which events arrived, which twice, which out of order per key; and where a key should land.

export interface SentEvent {
  readonly id: string;
  readonly key: string;
  /** Position of the event among those sent with the same key, from 0. */
  readonly seq: number;
}

export interface ReceivedEvent {
  readonly id: string;
  readonly key: string;
  readonly seq: number;
  readonly partition: number;
}

export interface DeliveryAccount {
  readonly expected: number;
  readonly received: number;
  readonly unique: number;
  readonly missing: readonly string[];
  /** Receipts beyond the first of the same id. */
  readonly duplicates: number;
  /** Receipts of a key whose seq is lower than one already seen for that key (re-deliveries excluded). */
  readonly orderViolations: number;
  /** Receipts of ids that were never sent in this run. */
  readonly unexpected: number;
}

/** Counts loss, duplicates and per-key order violations, in arrival order. */
export function accountDeliveries(sent: readonly SentEvent[], received: readonly ReceivedEvent[]): DeliveryAccount {
  const sentIds = new Set(sent.map((e) => e.id));
  const seen = new Set<string>();
  const highestSeq = new Map<string, number>();
  let duplicates = 0;
  let orderViolations = 0;
  let unexpected = 0;
  for (const r of received) {
    if (!sentIds.has(r.id)) {
      unexpected++;
      continue;
    }
    if (seen.has(r.id)) {
      // An at-least-once re-delivery: counted as a duplicate, not as an order violation.
      duplicates++;
      continue;
    }
    seen.add(r.id);
    const high = highestSeq.get(r.key);
    if (high !== undefined && r.seq < high) orderViolations++;
    else highestSeq.set(r.key, r.seq);
  }
  return {
    expected: sent.length,
    received: received.length,
    unique: seen.size,
    missing: sent.filter((e) => !seen.has(e.id)).map((e) => e.id),
    duplicates,
    orderViolations,
    unexpected,
  };
}

/**
 * Kafka's Java murmur2 (org.apache.kafka.common.utils.Utils.murmur2), written out here rather than taken from
 * kafkajs, so the keyed check compares the producer's placement against an independent implementation.
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const byte = (i: number) => (data[i] ?? 0) & 0xff;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = byte(i) | (byte(i + 1) << 8) | (byte(i + 2) << 16) | (byte(i + 3) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  switch (length % 4) {
    case 3:
      h ^= byte(whole + 2) << 16;
    // falls through
    case 2:
      h ^= byte(whole + 1) << 8;
    // falls through
    case 1:
      h ^= byte(whole);
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's Java default partitioner assigns a key: toPositive(murmur2(utf8(key))) % partitions. */
export function expectedPartition(key: string, partitionCount: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitionCount;
}

/** Whether offsets of one key's sends are strictly increasing, in send order. */
export function offsetsStrictlyIncrease(offsets: readonly string[]): boolean {
  for (let i = 1; i < offsets.length; i++) if (BigInt(offsets[i] as string) <= BigInt(offsets[i - 1] as string)) return false;
  return true;
}
