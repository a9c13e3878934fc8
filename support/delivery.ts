// Delivery accounting: which events arrived, which twice, which out of order per key; and where a key should land.
import { Partitioners, type PartitionMetadata } from 'kafkajs';

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

/** The partition Kafka's Java default partitioner (murmur2) assigns to a key, via kafkajs' compatible implementation. */
export function expectedPartition(key: string, partitionCount: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return partitioner({ topic: 'any', partitionMetadata, message: { key, value: null } });
}

export type DuplicatePolicy = 'allow' | 'forbid';

/** Whether offsets of one key's sends are strictly increasing, in send order. */
export function offsetsStrictlyIncrease(offsets: readonly string[]): boolean {
  for (let i = 1; i < offsets.length; i++) if (BigInt(offsets[i] as string) <= BigInt(offsets[i - 1] as string)) return false;
  return true;
}
