// The send loop shared by the burst and the capacity shard: a request counter, with paced and max-rate modes on top.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message, Producer } from 'kafkajs';
import { elapsedMs, withDeadline } from '../core/deadline.js';
import { latencyHistogram, recordLatencyMs } from '../core/histogram.js';
import { markerHeaders, type Marker } from '../record/marker.js';
import type { Settings } from '../inputs/settings.js';
import { diagnose, type Diagnosis } from './diagnosis.js';

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

/** One produce request as it ended: its events, their value bytes, its latency, and when it left (performance.now()). */
export interface SentRequest {
  readonly count: number;
  readonly bytes: number;
  readonly ms: number;
  readonly sentAt: number;
}

export interface RequestCounterOptions {
  readonly producer: Producer;
  readonly settings: Settings;
  readonly topic: string;
  /** Builds event i (already serialized), and its key. */
  readonly make: (i: number) => { key?: string; value: string };
  /** Which run and check the events belong to: sent as a header on every record. */
  readonly marker: Marker;
  /** Names a request in a deadline message: `${what} of N event(s)`. */
  readonly what: string;
  /** Whether a failure of this class stops new requests (the verdict is already decided). */
  readonly stopsOn: (failureClass: string) => boolean;
  /** After each acknowledged request, once the counts include it. */
  readonly onAcked?: (request: SentRequest) => void;
  /** After each failed request, once the counts include it. */
  readonly onFailed?: (request: Omit<SentRequest, 'ms'> & { diagnosis: Diagnosis }) => void;
}

/**
 * Counts events through produce requests: each event is claimed once and ends either acknowledged or failed, exactly
 * once. A failed request counts all its events as failed (kafkajs' own bounded retries happen inside the request),
 * so nothing is dropped or counted twice.
 */
export class RequestCounter {
  /** Events claimed for a request so far. */
  issued = 0;
  acknowledged = 0;
  failed = 0;
  /** Value bytes of acknowledged events. */
  bytes = 0;
  /** Set by the first failure that stops new requests. */
  stopped = false;
  /** The most requests that were in flight at once. */
  mostInFlight = 0;
  /** Every acknowledged event's latency (an event's latency is its request's). */
  readonly histogram = latencyHistogram();
  /** Distinct failure classes, with the events they cost and the first diagnosis of each. */
  readonly failures = new Map<string, { count: number; diagnosis: Diagnosis }>();
  private inFlight = 0;

  constructor(private readonly o: RequestCounterOptions) {}

  /** Claims the next `count` events; returns the first one's index. */
  claim(count: number): number {
    const first = this.issued;
    this.issued += count;
    return first;
  }

  /** One produce request of events [first, first + count): acknowledged or failed, and counted. */
  async send(first: number, count: number): Promise<void> {
    const { messages, bytes } = buildBatch(this.o.make, first, count, this.o.marker);
    const sentAt = performance.now();
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      const ms = await sendBatch(this.o.producer, this.o.settings, this.o.topic, messages, `${this.o.what} of ${count} event(s)`);
      recordLatencyMs(this.histogram, ms, count);
      this.acknowledged += count;
      this.bytes += bytes;
      this.o.onAcked?.({ count, bytes, ms, sentAt });
    } catch (error) {
      this.countFailure(diagnose(error), { count, bytes, sentAt });
    } finally {
      this.inFlight--;
    }
  }

  /** MB/s of acknowledged value bytes over `durationMs`. */
  mbPerSec(durationMs: number): number {
    return Math.round((this.bytes / 1e6 / (durationMs / 1000)) * 1000) / 1000;
  }

  private countFailure(diagnosis: Diagnosis, request: Omit<SentRequest, 'ms'>): void {
    this.failed += request.count;
    if (this.o.stopsOn(diagnosis.failureClass)) this.stopped = true;
    const entry = this.failures.get(diagnosis.failureClass) ?? { count: 0, diagnosis };
    entry.count += request.count;
    this.failures.set(diagnosis.failureClass, entry);
    this.o.onFailed?.({ ...request, diagnosis });
  }
}

export interface MaxRateOptions {
  /** Workers at the start: each sends its next request as soon as its previous one is answered. */
  readonly workers: number;
  /**
   * Events in the next request, decided and claimed in one synchronous step (so workers never claim the same
   * events); 0 when none is due yet (then `waitForMore`), undefined when no more are to be sent.
   */
  readonly nextCount: () => number | undefined;
  /** Waits until more events may be due (a pace); required when `nextCount` can return 0. */
  readonly waitForMore?: () => Promise<void>;
  /** Workers wanted now, checked after each request: more are added up to it (a long round trip leaves the pipe idle). */
  readonly workersWanted?: () => number;
}

/** Max-rate mode: requests back to back from each worker, until `nextCount` says done or a failure stops the counter. */
export async function sendBackToBack(counter: RequestCounter, o: MaxRateOptions): Promise<void> {
  const running: Promise<void>[] = [];
  const worker = async () => {
    while (!counter.stopped) {
      const count = o.nextCount();
      if (count === undefined) break;
      if (count === 0) {
        await o.waitForMore?.();
        continue;
      }
      await counter.send(counter.claim(count), count);
      while (running.length < (o.workersWanted?.() ?? 0)) running.push(worker());
    }
  };
  for (let i = 0; i < o.workers; i++) running.push(worker());
  // Workers may be added while earlier ones run: wait until every one has ended.
  for (let i = 0; i < running.length; i++) await running[i];
}

export interface PacedOptions {
  /** Requests outstanding at most. */
  readonly inFlight: number;
  /** The pause between event i - 1 and event i (i >= 1): the first event goes at once. */
  readonly gapMs: (i: number) => number;
  /** Whether event `counter.issued` is still to be sent. */
  readonly more: () => boolean;
}

/**
 * Paced mode: one event per request, each on its schedule, without waiting for the previous acknowledgement (at most
 * `inFlight` outstanding), as an application sending at a pace does. The gaps are between events: nothing is waited
 * before the first.
 */
export async function sendOnSchedule(counter: RequestCounter, o: PacedOptions): Promise<void> {
  const pending = new Set<Promise<void>>();
  const running: Promise<void>[] = [];
  while (!counter.stopped && o.more()) {
    if (counter.issued > 0) await sleep(o.gapMs(counter.issued));
    while (pending.size >= o.inFlight) await Promise.race(pending);
    if (counter.stopped) break;
    const request = counter.send(counter.claim(1), 1).finally(() => pending.delete(request));
    pending.add(request);
    running.push(request);
  }
  for (const request of running) await request;
}
