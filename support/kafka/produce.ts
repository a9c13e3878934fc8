// Sends events the way the checks need: acknowledged (acks=all), bounded by deadlines, failures counted, never retried forever.
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { elapsedMs, withDeadline } from '../core/deadline.js';
import type { Diagnosis } from './diagnosis.js';
import { markerHeaders, type Marker } from '../record/marker.js';
import { AckTimeline, encodeHistogram, type AckBuckets } from '../core/histogram.js';
import { RequestCounter, sendBackToBack, sendOnSchedule } from './send-loop.js';
import type { Settings } from '../inputs/settings.js';
import { rate, summarize, type LatencySummary } from '../core/stats.js';

/**
 * A producer as the checks use it. `retries` overrides READINESS_KAFKA_RETRIES for this producer's sends (0: a
 * refused request is not sent again, so the endpoint's first answer is the verdict).
 */
export function createProducer(kafka: Kafka, settings: Settings, options: { readonly retries?: number } = {}): Producer {
  return kafka.producer({
    allowAutoTopicCreation: false,
    // Java's murmur2 partitioner, so keys land where producers in other languages put them.
    createPartitioner: Partitioners.DefaultPartitioner,
    // Refresh before Event Hubs closes idle connections (240 s).
    metadataMaxAge: settings.METADATA_MAX_AGE_MS,
    ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
  });
}

export interface Ack {
  readonly partition: number;
  readonly offset: string;
  readonly ms: number;
}

/** One acknowledged send of one JSON event; resolves to its partition, offset and ack time. */
export async function sendEvent(producer: Producer, settings: Settings, topic: string, event: { key?: string; value: unknown; marker: Marker }): Promise<Ack> {
  const start = performance.now();
  const message = { key: event.key ?? null, value: JSON.stringify(event.value), headers: markerHeaders(event.marker) };
  const metadata = await withDeadline(
    producer.send({ topic, messages: [message], acks: -1, timeout: settings.KAFKA_REQUEST_TIMEOUT_MS }),
    settings.SEND_TIMEOUT_MS,
    `send to ${topic}`,
  );
  const m = metadata[0];
  if (!m || m.errorCode !== 0) throw new Error(`send to ${topic} was answered with error code ${m?.errorCode ?? 'none (no metadata)'}`);
  return { partition: m.partition, offset: m.baseOffset ?? m.offset ?? '-1', ms: elapsedMs(start) };
}

export interface BurstOptions {
  readonly topic: string;
  readonly events: number;
  /** Builds event i (already serialized), and its key. */
  readonly make: (i: number) => { key?: string; value: string };
  /** Which run and check the events belong to: sent as a header on every record. */
  readonly marker: Marker;
  readonly batchSize: number;
  readonly inFlight: number;
  /**
   * Grow the requests in flight up to this many when the path's round trip is long: `inFlight` covers a round
   * trip of IN_FLIGHT_COVERS_MS; the burst adds in-flight requests in proportion to the shortest request
   * latency it measures (default: no growth).
   */
  readonly maxInFlight?: number;
  /** Approximate size of one event, to keep requests under the size cap (default READINESS_BURST_EVENT_BYTES). */
  readonly eventBytes?: number;
  /** No new send is issued after this long; the rest count as not sent. */
  readonly timeoutMs?: number;
  readonly settings: Settings;
  /**
   * Paced bursts: the pause between event i - 1 and event i (none before the first), one event per request. Sends go
   * out on that schedule without waiting for the previous acknowledgement (at most `inFlight` outstanding), as an
   * application sending at a pace does.
   */
  readonly gapMs?: (i: number) => number;
  /**
   * Called when a request failed as throttled (POLICY_VIOLATION: Event Hubs held it past the request timeout), with
   * how long it was held, so the hold counts in the throttle figures like a delayed answer does.
   */
  readonly onThrottled?: (ms: number) => void;
  /** Called after every acknowledged request with the running counts (progress lines). */
  readonly onAck?: (acknowledged: number, total: number) => void;
}

export interface BurstResult {
  /** Events handed to the producer (the burst stops issuing new sends after the first failure). */
  readonly attempted: number;
  /** Events never sent because an earlier send had failed. */
  readonly notSent: number;
  readonly acknowledged: number;
  readonly failed: number;
  readonly durationMs: number;
  readonly eventsPerSec: number;
  readonly mbPerSec: number;
  /** Bytes of acknowledged events. */
  readonly bytes: number;
  /** Whether the burst stopped issuing sends because READINESS_BURST_TIMEOUT_MS ran out. */
  readonly timedOut: boolean;
  /** The most produce requests that were in flight at once. */
  readonly inFlightUsed: number;
  /** Ack latency per event (an event's latency is its produce request's). */
  readonly ackLatency: LatencySummary;
  /** Every acknowledged event's latency as an HdrHistogram (compressed base64, microseconds): mergeable across runs. */
  readonly ackHistogram: string;
  /** Acknowledged events per time bucket since the burst started. */
  readonly acksPerBucket: AckBuckets;
  /** Distinct failure classes seen, with counts and one diagnosis each. */
  readonly failures: ReadonlyArray<{ failureClass: string; count: number; diagnosis: Diagnosis }>;
}

/**
 * What the default in-flight count keeps busy: 4 requests of 100 x 1 KiB events kept this project's 2-core machine
 * saturated on loopback (about 4-5 ms of client and broker work per request), so 4 in flight cover a round trip of
 * about 20 ms. Over a longer round trip the same pipe needs proportionally more requests in flight.
 */
export const IN_FLIGHT_COVERS_MS = 20;

/** Requests in flight for a round trip of `roundTripMs`: `base` covers IN_FLIGHT_COVERS_MS, at most `max`. */
export function inFlightFor(roundTripMs: number, base: number, max: number): number {
  return Math.max(base, Math.min(max, Math.ceil((base * roundTripMs) / IN_FLIGHT_COVERS_MS)));
}

/** Events per request: one when paced; else the batch size, kept under the endpoint's size limit whatever the event size. */
function burstBatchSize(options: BurstOptions): number {
  const { settings } = options;
  if (options.gapMs !== undefined) return 1;
  const perRequest = Math.max(1, Math.floor(settings.BURST_MAX_BATCH_BYTES / Math.max(1, options.eventBytes ?? settings.BURST_EVENT_BYTES)));
  return Math.min(options.batchSize, perRequest);
}

/**
 * The shortest latency of a request sent after the first acknowledgement: the round trip plus the least work, free
 * of connection set-up (which the first requests wait for) and of queueing (which only lengthens others).
 */
class ShortestRoundTrip {
  private firstAckAt = Number.POSITIVE_INFINITY;
  ms = Number.POSITIVE_INFINITY;
  note(sentAt: number, ms: number): void {
    if (sentAt > this.firstAckAt) this.ms = Math.min(this.ms, ms);
    this.firstAckAt = Math.min(this.firstAckAt, performance.now());
  }
}

/** What the burst measures beside the counts: per-event latencies, acks over time, the shortest round trip. */
interface BurstTally {
  readonly start: number;
  readonly latencies: number[];
  readonly timeline: AckTimeline;
  readonly roundTrip: ShortestRoundTrip;
}

/** Every failure stops new requests: the verdict is already "not absorbed", and a dead endpoint would otherwise take a timeout per remaining request. */
function burstCounter(producer: Producer, options: BurstOptions, tally: BurstTally): RequestCounter {
  const counter: RequestCounter = new RequestCounter({
    producer,
    settings: options.settings,
    topic: options.topic,
    make: options.make,
    marker: options.marker,
    what: 'burst send',
    stopsOn: () => true,
    onAcked: ({ count, ms, sentAt }) => {
      tally.roundTrip.note(sentAt, ms);
      for (let i = 0; i < count; i++) tally.latencies.push(ms);
      tally.timeline.add(elapsedMs(tally.start), count);
      options.onAck?.(counter.acknowledged, options.events);
    },
    onFailed: ({ diagnosis, sentAt }) => {
      if (diagnosis.failureClass === 'throttled') options.onThrottled?.(elapsedMs(sentAt));
    },
  });
  return counter;
}

function burstResult(counter: RequestCounter, tally: BurstTally, options: BurstOptions, timedOut: boolean): BurstResult {
  const durationMs = elapsedMs(tally.start);
  return {
    attempted: counter.issued,
    notSent: options.events - counter.issued,
    acknowledged: counter.acknowledged,
    failed: counter.failed,
    durationMs,
    eventsPerSec: rate(counter.acknowledged, durationMs),
    mbPerSec: counter.mbPerSec(durationMs),
    bytes: counter.bytes,
    timedOut,
    inFlightUsed: counter.mostInFlight,
    ackLatency: summarize(tally.latencies),
    ackHistogram: encodeHistogram(counter.histogram),
    acksPerBucket: tally.timeline.buckets(durationMs),
    failures: [...counter.failures.entries()].map(([failureClass, v]) => ({ failureClass, ...v })),
  };
}

/**
 * Sends `events` events, `batchSize` per request, with up to `inFlight` requests outstanding (more over a long
 * round trip, up to `maxInFlight`); paced bursts send one event per request on the `gapMs` schedule. Every event
 * ends either acknowledged or failed, exactly once (see RequestCounter). After the first failure no new request is
 * issued.
 */
export async function runBurst(producer: Producer, options: BurstOptions): Promise<BurstResult> {
  const tally: BurstTally = { start: performance.now(), latencies: [], timeline: new AckTimeline(), roundTrip: new ShortestRoundTrip() };
  const counter = burstCounter(producer, options, tally);
  const batchSize = burstBatchSize(options);
  const maxInFlight = Math.max(options.inFlight, options.maxInFlight ?? options.inFlight);
  let timedOut = false;
  const deadline = performance.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
  const pastDeadline = () => {
    if (performance.now() <= deadline) return false;
    timedOut = true;
    return true;
  };
  const more = () => counter.issued < options.events && !pastDeadline();
  const { gapMs } = options;
  if (gapMs) {
    await sendOnSchedule(counter, { inFlight: options.inFlight, gapMs, more });
  } else {
    await sendBackToBack(counter, {
      workers: options.inFlight,
      nextCount: () => (more() ? Math.min(batchSize, options.events - counter.issued) : undefined),
      // A long round trip leaves the pipe idle between acknowledgements: put more requests in flight.
      workersWanted: () => (Number.isFinite(tally.roundTrip.ms) ? inFlightFor(tally.roundTrip.ms, options.inFlight, maxInFlight) : 0),
    });
  }
  return burstResult(counter, tally, options, timedOut);
}
