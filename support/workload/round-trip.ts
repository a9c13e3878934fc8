// Round trip: subscribe first, produce events with unique ids, read them back; counts loss, duplicates, order, latency.
// Nothing guarantees that a record's key, headers, partition or one-record-per-event shape survive source ->
// Eventstream -> custom endpoint destination: identity (run, id, key, sequence, send time) travels in the value,
// records are read as one JSON object, JSON lines or a JSON array, and what the path kept is reported as a finding.
import type { Kafka, Producer } from 'kafkajs';
import type { ConsumerConfig } from '../inputs/config.js';
import { connectWithin, DeadlineError, disconnectWithin, withDeadline } from '../core/deadline.js';
import { accountDeliveries, type DeliveryAccount, type ReceivedEvent, type SentEvent } from './delivery.js';
import { encodeHistogram, histogramOfMs } from '../core/histogram.js';
import { MARKER_HEADER, type Marker } from '../record/marker.js';
import { deviceStatus } from './payloads.js';
import { sendEvent } from '../kafka/produce.js';
import { eventsInRecord, shapeOf } from './reader.js';
import type { Settings } from '../inputs/settings.js';
import { summarize, type LatencySummary } from '../core/stats.js';

export interface RoundTripResult {
  readonly account: DeliveryAccount;
  readonly latency: LatencySummary;
  /** Every event's end-to-end latency as an HdrHistogram (compressed base64, microseconds): mergeable across runs. */
  readonly latencyHistogram: string;
  readonly joinMs: number;
  readonly waitedMs: number;
  readonly partitionsAssigned: number;
  /** Keys whose events came back on more than one partition: per-key order is then not guaranteed downstream. */
  readonly keysOnSeveralPartitions: number;
  /** What the path from source to destination kept, counted over the events read back (first receipt of each). */
  readonly path: PathFindings;
}

export interface PathFindings {
  readonly events: number;
  /** Events whose record key still was the key they were sent with. */
  readonly keyKept: number;
  /** Events whose record still carried the marker header. */
  readonly headersKept: number;
  /** Events read from the partition number their send was acknowledged on. */
  readonly partitionKept: number;
  /** Events that came one per record, as sent (not re-batched into JSON lines or an array). */
  readonly oneRecordPerEvent: number;
}

/** What a round-trip event carries in its value: its identity, independent of what the path keeps. */
interface RoundTripIdentity {
  readonly runId: string;
  readonly id: string;
  readonly key: string;
  readonly seq: number;
  readonly sentAt: number;
}

function identityOf(event: Record<string, unknown>, runId: string): RoundTripIdentity | undefined {
  if (event.runId !== runId || typeof event.id !== 'string' || typeof event.key !== 'string' || typeof event.seq !== 'number') return undefined;
  return { runId, id: event.id, key: event.key, seq: event.seq, sentAt: typeof event.sentAt === 'number' ? event.sentAt : Number.NaN };
}

export interface RoundTripOptions {
  readonly producer: Producer;
  readonly produceTopic: string;
  readonly consumerKafka: Kafka;
  readonly consumer: ConsumerConfig;
  readonly settings: Settings;
  /** The run and check the events are marked with; the run id also tells this run's events from others'. */
  readonly marker: Marker;
  /** Progress: called when the consumer has joined, and after each event read back with the running count. */
  readonly onProgress?: (event: { phase: 'joined'; partitions: number; joinMs: number } | { phase: 'read'; received: number; expected: number }) => void;
}

export async function roundTrip(options: RoundTripOptions): Promise<RoundTripResult> {
  const { settings, consumer: cfg } = options;
  const { runId } = options.marker;
  const admin = options.consumerKafka.admin();
  const consumer = options.consumerKafka.consumer({
    groupId: cfg.groupId,
    // Microsoft's recommendations for Event Hubs consumers (READINESS_CONSUMER_*).
    sessionTimeout: settings.CONSUMER_SESSION_TIMEOUT_MS,
    heartbeatInterval: settings.CONSUMER_HEARTBEAT_MS,
    metadataMaxAge: settings.METADATA_MAX_AGE_MS,
    maxWaitTimeInMs: 100,
    // A group coordinator that is moving or loading answers with retriable errors for a moment: ride those out
    // within the join deadline instead of failing the check on the first one (the client-wide retries are 1).
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 3000 },
    allowAutoTopicCreation: false,
  });
  const received: ReceivedEvent[] = [];
  const firstSeenAt = new Map<string, number>();
  const sentAt = new Map<string, number>();
  let allArrived: () => void = () => undefined;
  const arrived = new Promise<void>((r) => (allArrived = r));
  const sent: SentEvent[] = [];
  const ackedPartition = new Map<string, number>();
  const kept: Array<{ key: boolean; headers: boolean; partition: boolean; alone: boolean }> = [];
  try {
    // Kafka consumers start at the end of the stream: note where it ends now, and read from there. The consumer
    // logs in meanwhile (independent, and each costs a few round trips).
    const [start] = await Promise.all([
      connectWithin(admin, settings.KAFKA_CONNECT_TIMEOUT_MS * 2, 'consumer-side admin connect').then(() =>
        withDeadline(admin.fetchTopicOffsets(cfg.topic), settings.KAFKA_REQUEST_TIMEOUT_MS, `end offsets of ${cfg.topic}`),
      ),
      connectWithin(consumer, settings.KAFKA_CONNECT_TIMEOUT_MS * 2, 'consumer connect'),
    ]);
    await withDeadline(consumer.subscribe({ topics: [cfg.topic], fromBeginning: false }), settings.KAFKA_REQUEST_TIMEOUT_MS, 'subscribe');
    const joinStart = performance.now();
    const joined = new Promise<number[]>((resolveJoin, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, (e) => resolveJoin(e.payload.memberAssignment[cfg.topic] ?? []));
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const value = message.value?.toString() ?? '';
        const events = eventsInRecord(value);
        const shape = shapeOf(value);
        const now = performance.now();
        for (const event of events) {
          const identity = identityOf(event, runId);
          if (!identity) continue; // not one of this run's
          received.push({ id: identity.id, key: identity.key, seq: identity.seq, partition });
          if (firstSeenAt.has(identity.id)) continue;
          firstSeenAt.set(identity.id, now);
          kept.push({
            key: message.key?.toString() === identity.key,
            headers: message.headers?.[MARKER_HEADER] !== undefined,
            partition: ackedPartition.get(identity.id) === partition,
            alone: events.length === 1 && shape === 'object',
          });
          options.onProgress?.({ phase: 'read', received: firstSeenAt.size, expected: settings.ROUND_TRIP_EVENTS });
        }
        if (firstSeenAt.size >= sent.length && sent.length === settings.ROUND_TRIP_EVENTS) allArrived();
      },
    });
    const assigned = await withDeadline(joined, settings.KAFKA_REQUEST_TIMEOUT_MS * 2, 'consumer group join');
    const joinMs = Math.round(performance.now() - joinStart);
    options.onProgress?.({ phase: 'joined', partitions: assigned.length, joinMs });
    for (const p of assigned) {
      const offset = start.find((s) => s.partition === p)?.offset ?? '0';
      consumer.seek({ topic: cfg.topic, partition: p, offset });
    }

    const produceStart = performance.now();
    let stopped = false;
    // Per-key order is what is judged, so the events of one key are sent one after another, each acknowledged
    // before the next; different keys are independent, so their chains run side by side (over a long round trip the
    // events cost a round trip per event of a key, not per event).
    const chain = async (k: number) => {
      for (let i = k; i < settings.ROUND_TRIP_EVENTS && !stopped; i += settings.ROUND_TRIP_KEYS) {
        if (performance.now() - produceStart > settings.ROUND_TRIP_TIMEOUT_MS) {
          throw new DeadlineError(`producing the round-trip events (${sent.length} of ${settings.ROUND_TRIP_EVENTS} sent)`, settings.ROUND_TRIP_TIMEOUT_MS);
        }
        const key = `rt-key-${i % settings.ROUND_TRIP_KEYS}`;
        const seq = Math.floor(i / settings.ROUND_TRIP_KEYS);
        const id = `${runId}-${i}`;
        sent.push({ id, key, seq });
        sentAt.set(id, performance.now());
        const value = { ...deviceStatus(seq, options.marker), id, key, sentAt: Date.now() };
        const ack = await sendEvent(options.producer, settings, options.produceTopic, { key, value, marker: options.marker });
        ackedPartition.set(id, ack.partition);
      }
    };
    const chains = await Promise.allSettled(
      Array.from({ length: Math.min(settings.ROUND_TRIP_KEYS, settings.ROUND_TRIP_EVENTS) }, (_, k) =>
        chain(k).catch((error: unknown) => {
          stopped = true;
          throw error;
        }),
      ),
    );
    const failedChain = chains.find((c) => c.status === 'rejected');
    if (failedChain) throw failedChain.reason;
    if (firstSeenAt.size >= sent.length) allArrived();
    const waitStart = performance.now();
    await withDeadline(arrived, settings.ROUND_TRIP_TIMEOUT_MS, 'waiting for the events to come back').catch(() => undefined);
    const waitedMs = Math.round(performance.now() - waitStart);
    const latencies = [...firstSeenAt.entries()].map(([id, at]) => at - (sentAt.get(id) ?? at));
    const partitionsByKey = new Map<string, Set<number>>();
    for (const r of received) partitionsByKey.set(r.key, (partitionsByKey.get(r.key) ?? new Set()).add(r.partition));
    const keysOnSeveralPartitions = [...partitionsByKey.values()].filter((p) => p.size > 1).length;
    const count = (f: (k: (typeof kept)[number]) => boolean) => kept.filter(f).length;
    const path = {
      events: kept.length,
      keyKept: count((k) => k.key),
      headersKept: count((k) => k.headers),
      partitionKept: count((k) => k.partition),
      oneRecordPerEvent: count((k) => k.alone),
    };
    // Where the path dropped keys, events of one key may be spread over the destination's partitions, and nothing
    // orders partitions against each other: per-key order is then judged within each partition (a lost key is a
    // finding of its own, not an order violation).
    const keysLost = path.keyKept < path.events;
    const ordered = keysLost ? received.map((r) => ({ ...r, key: `${r.key}@${r.partition}` })) : received;
    return {
      account: accountDeliveries(sent, ordered),
      latency: summarize(latencies),
      joinMs,
      waitedMs,
      partitionsAssigned: assigned.length,
      keysOnSeveralPartitions,
      path,
      latencyHistogram: encodeHistogram(histogramOfMs(latencies)),
    };
  } finally {
    await disconnectWithin(consumer, 5000);
    await disconnectWithin(admin, 3000);
  }
}
