// Round trip: subscribe first, produce events with unique ids, read them back; counts loss, duplicates, order, latency.
// Nothing guarantees that a record's key, headers, partition or one-record-per-event shape survive source ->
// Eventstream -> custom endpoint destination: identity (run, id, key, sequence, send time) travels in the value,
// records are read as one JSON object, JSON lines or a JSON array, and what the path kept is reported as a finding.
import type { Admin, Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
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

type EndOffsets = Awaited<ReturnType<Admin['fetchTopicOffsets']>>;

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

/** What the round trip has sent and read back so far; its steps below fill it in. */
interface RoundTripLedger {
  readonly sent: SentEvent[];
  readonly sentAt: Map<string, number>;
  readonly ackedPartition: Map<string, number>;
  readonly received: ReceivedEvent[];
  readonly firstSeenAt: Map<string, number>;
  readonly kept: KeptFlags[];
  /** Resolves once every event sent has been read back (first receipt of each). */
  readonly arrived: Promise<void>;
  readonly allArrived: () => void;
}

interface KeptFlags {
  readonly key: boolean;
  readonly headers: boolean;
  readonly partition: boolean;
  readonly alone: boolean;
}

function newLedger(): RoundTripLedger {
  let allArrived: () => void = () => undefined;
  const arrived = new Promise<void>((r) => (allArrived = r));
  return { sent: [], sentAt: new Map(), ackedPartition: new Map(), received: [], firstSeenAt: new Map(), kept: [], arrived, allArrived };
}

function createRoundTripConsumer({ consumerKafka, consumer: cfg, settings }: RoundTripOptions): Consumer {
  return consumerKafka.consumer({
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
}

/**
 * Kafka consumers start at the end of the stream: note where it ends now, and read from there. The consumer logs in
 * and subscribes meanwhile (independent, and each costs a few round trips; subscribing reads nothing yet).
 */
async function endOffsetsAndLogin(admin: Admin, consumer: Consumer, { consumer: cfg, settings }: RoundTripOptions): Promise<EndOffsets> {
  const [start] = await Promise.all([
    connectWithin(admin, settings.KAFKA_CONNECT_TIMEOUT_MS * 2, 'consumer-side admin connect').then(() =>
      withDeadline(admin.fetchTopicOffsets(cfg.topic), settings.KAFKA_REQUEST_TIMEOUT_MS, `end offsets of ${cfg.topic}`),
    ),
    connectWithin(consumer, settings.KAFKA_CONNECT_TIMEOUT_MS * 2, 'consumer connect').then(() =>
      withDeadline(consumer.subscribe({ topics: [cfg.topic], fromBeginning: false }), settings.KAFKA_REQUEST_TIMEOUT_MS, 'subscribe'),
    ),
  ]);
  return start;
}

/** Notes each of this run's events in a record read back, with what the path kept of it. */
function readRecord(ledger: RoundTripLedger, options: RoundTripOptions, { partition, message }: EachMessagePayload): void {
  const { settings } = options;
  const value = message.value?.toString() ?? '';
  const events = eventsInRecord(value);
  const shape = shapeOf(value);
  const now = performance.now();
  for (const event of events) {
    const identity = identityOf(event, options.marker.runId);
    if (!identity) continue; // not one of this run's
    ledger.received.push({ id: identity.id, key: identity.key, seq: identity.seq, partition });
    if (ledger.firstSeenAt.has(identity.id)) continue;
    ledger.firstSeenAt.set(identity.id, now);
    ledger.kept.push({
      key: message.key?.toString() === identity.key,
      headers: message.headers?.[MARKER_HEADER] !== undefined,
      partition: ledger.ackedPartition.get(identity.id) === partition,
      alone: events.length === 1 && shape === 'object',
    });
    options.onProgress?.({ phase: 'read', received: ledger.firstSeenAt.size, expected: settings.ROUND_TRIP_EVENTS });
  }
  if (ledger.firstSeenAt.size >= ledger.sent.length && ledger.sent.length === settings.ROUND_TRIP_EVENTS) ledger.allArrived();
}

/** Starts reading, waits for the group join, and moves each assigned partition to where the stream ended before. */
async function joinAtEnd(
  consumer: Consumer,
  start: EndOffsets,
  ledger: RoundTripLedger,
  options: RoundTripOptions,
): Promise<{ assigned: number[]; joinMs: number }> {
  const { consumer: cfg, settings } = options;
  const joinStart = performance.now();
  const joined = new Promise<number[]>((resolveJoin, reject) => {
    consumer.on(consumer.events.GROUP_JOIN, (e) => resolveJoin(e.payload.memberAssignment[cfg.topic] ?? []));
    consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
  });
  await consumer.run({ autoCommit: false, eachMessage: async (payload) => readRecord(ledger, options, payload) });
  const assigned = await withDeadline(joined, settings.KAFKA_REQUEST_TIMEOUT_MS * 2, 'consumer group join');
  const joinMs = Math.round(performance.now() - joinStart);
  options.onProgress?.({ phase: 'joined', partitions: assigned.length, joinMs });
  // After the join the client still fetches its group's offsets and resolves where to start (about 7 round trips)
  // before its first fetch: an event sent before then would wait for our reader, not for the path, and that wait
  // made the p99 through a delay (measured: 606-659 ms at 40 ms each way, the first event of each key; 255-280 ms when
  // sending waits for the first fetch). So sending starts once the first fetch has started (bounded).
  const fetching = new Promise<void>((resolveFetching) => {
    const stopListening = consumer.on(consumer.events.FETCH_START, () => {
      stopListening();
      resolveFetching();
    });
  });
  for (const p of assigned) {
    const offset = start.find((s) => s.partition === p)?.offset ?? '0';
    consumer.seek({ topic: cfg.topic, partition: p, offset });
  }
  await withDeadline(fetching, settings.KAFKA_REQUEST_TIMEOUT_MS, 'the first fetch after the join').catch(() => undefined);
  return { assigned, joinMs };
}

/**
 * Per-key order is what is judged, so the events of one key are sent one after another, each acknowledged before the
 * next; different keys are independent, so their chains run side by side (over a long round trip the events cost a
 * round trip per event of a key, not per event). The first failing chain stops the others.
 */
async function produceKeyChains(ledger: RoundTripLedger, options: RoundTripOptions): Promise<void> {
  const { settings } = options;
  const produceStart = performance.now();
  let stopped = false;
  const chain = async (k: number) => {
    for (let i = k; i < settings.ROUND_TRIP_EVENTS && !stopped; i += settings.ROUND_TRIP_KEYS) {
      if (performance.now() - produceStart > settings.ROUND_TRIP_TIMEOUT_MS) {
        throw new DeadlineError(
          `producing the round-trip events (${ledger.sent.length} of ${settings.ROUND_TRIP_EVENTS} sent)`,
          settings.ROUND_TRIP_TIMEOUT_MS,
        );
      }
      await sendOne(ledger, options, i);
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
}

/** Sends the i-th event: its key and per-key sequence number, its identity in the value, and notes its acknowledged partition. */
async function sendOne(ledger: RoundTripLedger, options: RoundTripOptions, i: number): Promise<void> {
  const { settings, marker } = options;
  const key = `rt-key-${i % settings.ROUND_TRIP_KEYS}`;
  const seq = Math.floor(i / settings.ROUND_TRIP_KEYS);
  const id = `${marker.runId}-${i}`;
  ledger.sent.push({ id, key, seq });
  ledger.sentAt.set(id, performance.now());
  const value = { ...deviceStatus(seq, marker), id, key, sentAt: Date.now() };
  const ack = await sendEvent(options.producer, settings, options.produceTopic, { key, value, marker });
  ledger.ackedPartition.set(id, ack.partition);
}

/** Waits (bounded) for the rest of the events; a shortfall is judged by the check, not thrown here. Returns the ms waited. */
async function awaitArrivals(ledger: RoundTripLedger, settings: Settings): Promise<number> {
  if (ledger.firstSeenAt.size >= ledger.sent.length) ledger.allArrived();
  const waitStart = performance.now();
  await withDeadline(ledger.arrived, settings.ROUND_TRIP_TIMEOUT_MS, 'waiting for the events to come back').catch(() => undefined);
  return Math.round(performance.now() - waitStart);
}

function pathFindingsOf(kept: readonly KeptFlags[]): PathFindings {
  const count = (f: (k: KeptFlags) => boolean) => kept.filter(f).length;
  return {
    events: kept.length,
    keyKept: count((k) => k.key),
    headersKept: count((k) => k.headers),
    partitionKept: count((k) => k.partition),
    oneRecordPerEvent: count((k) => k.alone),
  };
}

function keysOnSeveralPartitionsOf(received: readonly ReceivedEvent[]): number {
  const partitionsByKey = new Map<string, Set<number>>();
  for (const r of received) partitionsByKey.set(r.key, (partitionsByKey.get(r.key) ?? new Set()).add(r.partition));
  return [...partitionsByKey.values()].filter((p) => p.size > 1).length;
}

/** Counts loss, duplicates, order, latency and what the path kept, from what was sent and read back. */
function tally(ledger: RoundTripLedger, joined: { assigned: number[]; joinMs: number }, waitedMs: number): RoundTripResult {
  const latencies = [...ledger.firstSeenAt.entries()].map(([id, at]) => at - (ledger.sentAt.get(id) ?? at));
  const path = pathFindingsOf(ledger.kept);
  // Where the path dropped keys, events of one key may be spread over the destination's partitions, and nothing
  // orders partitions against each other: per-key order is then judged within each partition (a lost key is a
  // finding of its own, not an order violation).
  const keysLost = path.keyKept < path.events;
  const ordered = keysLost ? ledger.received.map((r) => ({ ...r, key: `${r.key}@${r.partition}` })) : ledger.received;
  return {
    account: accountDeliveries(ledger.sent, ordered),
    latency: summarize(latencies),
    joinMs: joined.joinMs,
    waitedMs,
    partitionsAssigned: joined.assigned.length,
    keysOnSeveralPartitions: keysOnSeveralPartitionsOf(ledger.received),
    path,
    latencyHistogram: encodeHistogram(histogramOfMs(latencies)),
  };
}

/** Subscribe at the end of the stream, join, send the events key by key, wait for them to come back, tally. */
export async function roundTrip(options: RoundTripOptions): Promise<RoundTripResult> {
  const admin = options.consumerKafka.admin();
  const consumer = createRoundTripConsumer(options);
  const ledger = newLedger();
  try {
    const start = await endOffsetsAndLogin(admin, consumer, options);
    const joined = await joinAtEnd(consumer, start, ledger, options);
    await produceKeyChains(ledger, options);
    const waitedMs = await awaitArrivals(ledger, options.settings);
    return tally(ledger, joined, waitedMs);
  } finally {
    await disconnectWithin(consumer, 5000);
    await disconnectWithin(admin, 3000);
  }
}
