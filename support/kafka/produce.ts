// Sends events the way the checks need: acknowledged (acks=all), bounded by deadlines, failures counted, never retried forever.
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { elapsedMs, withDeadline } from '../core/deadline.js';
import { diagnose, type Diagnosis } from './diagnosis.js';
import { markerHeaders, type Marker } from '../record/marker.js';
import { AckTimeline, encodeHistogram, latencyHistogram, recordLatencyMs, type AckBuckets } from '../core/histogram.js';
import type { Settings } from '../inputs/settings.js';
import { rate, summarize, type LatencySummary } from '../core/stats.js';

export function createProducer(kafka: Kafka, settings: Settings): Producer {
  return kafka.producer({
    allowAutoTopicCreation: false,
    // Java's murmur2 partitioner, so keys land where producers in other languages put them.
    createPartitioner: Partitioners.DefaultPartitioner,
    // Refresh before Event Hubs closes idle connections (240 s).
    metadataMaxAge: settings.METADATA_MAX_AGE_MS,
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

/** Events first .. first+count-1 as records, marked, and their value bytes. */
export function buildBatch(
  make: (i: number) => { key?: string; value: string },
  first: number,
  count: number,
  marker: Marker,
): { messages: Message[]; bytes: number } {
  const messages: Message[] = [];
  const headers = markerHeaders(marker);
  let bytes = 0;
  for (let i = first; i < first + count; i++) {
    const { key, value } = make(i);
    bytes += Buffer.byteLength(value);
    messages.push({ key: key ?? null, value, headers });
  }
  return { messages, bytes };
}

/** One acknowledged produce request (acks=all), bounded by READINESS_SEND_TIMEOUT_MS; resolves to its latency in ms. */
export async function sendBatch(producer: Producer, settings: Settings, topic: string, messages: Message[], what: string): Promise<number> {
  const sent = performance.now();
  const metadata = await withDeadline(producer.send({ topic, messages, acks: -1, timeout: settings.KAFKA_REQUEST_TIMEOUT_MS }), settings.SEND_TIMEOUT_MS, what);
  const bad = metadata.filter((m) => m.errorCode !== 0);
  if (bad.length > 0) throw new Error(`produce answered error code ${bad[0]?.errorCode}`);
  return elapsedMs(sent);
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
   * Paced bursts: the pause before event i is sent, one event per request. Sends go out on that schedule without
   * waiting for the previous acknowledgement (at most `inFlight` outstanding), as an application sending at a pace does.
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

/**
 * Sends `events` events, `batchSize` per request, with up to `inFlight` requests outstanding (more over a long
 * round trip, up to `maxInFlight`). Every event ends either acknowledged or failed, exactly once: a failed request
 * counts all its events as failed (kafkajs' own bounded retries happen inside the request), so nothing is dropped
 * or counted twice. After the first failure no new request is issued: the verdict is already "not absorbed", and a
 * dead endpoint would otherwise take a timeout per remaining request.
 */
export async function runBurst(producer: Producer, options: BurstOptions): Promise<BurstResult> {
  const { settings } = options;
  const latencies: number[] = [];
  const histogram = latencyHistogram();
  const timeline = new AckTimeline();
  const failures = new Map<string, { count: number; diagnosis: Diagnosis }>();
  let next = 0;
  let acknowledged = 0;
  let failed = 0;
  let bytes = 0;
  const start = performance.now();
  const paced = options.gapMs !== undefined;
  // Keep each request under the endpoint's size limit whatever the event size.
  const perRequest = Math.max(1, Math.floor(settings.BURST_MAX_BATCH_BYTES / Math.max(1, options.eventBytes ?? settings.BURST_EVENT_BYTES)));
  const batchSize = paced ? 1 : Math.min(options.batchSize, perRequest);
  const maxInFlight = Math.max(options.inFlight, options.maxInFlight ?? options.inFlight);

  let stop = false;
  let timedOut = false;
  let outstanding = 0;
  let inFlightUsed = 0;
  // The shortest latency of a request sent after the first acknowledgement: the round trip plus the least work,
  // free of connection set-up (which the first requests wait for) and of queueing (which only lengthens others).
  let firstAckAt = Number.POSITIVE_INFINITY;
  let shortestMs = Number.POSITIVE_INFINITY;
  const deadline = performance.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);

  /** One produce request of events [first, first + count): acknowledged or failed, and counted. */
  const sendRequest = async (first: number, count: number) => {
    const { messages, bytes: batchBytes } = buildBatch(options.make, first, count, options.marker);
    const sent = performance.now();
    outstanding++;
    inFlightUsed = Math.max(inFlightUsed, outstanding);
    try {
      const ms = await sendBatch(producer, settings, options.topic, messages, `burst send of ${count} event(s)`);
      if (sent > firstAckAt) shortestMs = Math.min(shortestMs, ms);
      firstAckAt = Math.min(firstAckAt, performance.now());
      for (let i = 0; i < count; i++) latencies.push(ms);
      recordLatencyMs(histogram, ms, count);
      timeline.add(elapsedMs(start), count);
      acknowledged += count;
      bytes += batchBytes;
      options.onAck?.(acknowledged, options.events);
    } catch (error) {
      stop = true;
      failed += count;
      const d = diagnose(error);
      if (d.failureClass === 'throttled') options.onThrottled?.(elapsedMs(sent));
      const entry = failures.get(d.failureClass) ?? { count: 0, diagnosis: d };
      entry.count += count;
      failures.set(d.failureClass, entry);
    } finally {
      outstanding--;
    }
  };
  const pastDeadline = () => {
    if (performance.now() <= deadline) return false;
    timedOut = true;
    return true;
  };

  const running: Promise<void>[] = [];
  if (paced) {
    // Sends leave on the schedule; each is acknowledged (or fails) on its own, at most inFlight outstanding.
    const pending = new Set<Promise<void>>();
    while (next < options.events && !stop && !pastDeadline()) {
      await new Promise((r) => setTimeout(r, options.gapMs?.(next)));
      while (pending.size >= options.inFlight) await Promise.race(pending);
      if (stop) break;
      const request = sendRequest(next, 1).finally(() => pending.delete(request));
      pending.add(request);
      running.push(request);
      next += 1;
    }
  } else {
    let workers = 0;
    const worker = async () => {
      while (next < options.events && !stop && !pastDeadline()) {
        const first = next;
        const count = Math.min(batchSize, options.events - first);
        next += count;
        await sendRequest(first, count);
        // A long round trip leaves the pipe idle between acknowledgements: put more requests in flight.
        if (Number.isFinite(shortestMs)) while (workers < inFlightFor(shortestMs, options.inFlight, maxInFlight)) spawn();
      }
    };
    const spawn = () => {
      workers++;
      running.push(worker());
    };
    for (let i = 0; i < options.inFlight; i++) spawn();
  }
  // Workers may be added while earlier ones run: wait until every one has ended.
  for (let i = 0; i < running.length; i++) await running[i];
  const durationMs = elapsedMs(start);
  return {
    attempted: next,
    notSent: options.events - next,
    acknowledged,
    failed,
    durationMs,
    eventsPerSec: rate(acknowledged, durationMs),
    mbPerSec: Math.round((bytes / 1e6 / (durationMs / 1000)) * 1000) / 1000,
    bytes,
    timedOut,
    inFlightUsed,
    ackLatency: summarize(latencies),
    ackHistogram: encodeHistogram(histogram),
    acksPerBucket: timeline.buckets(durationMs),
    failures: [...failures.entries()].map(([failureClass, v]) => ({ failureClass, ...v })),
  };
}
