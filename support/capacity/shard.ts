// One capacity shard: waits for the agreed start, sends its share of the rate for the set time, counts every second.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Producer } from 'kafkajs';
import { diagnose } from '../kafka/diagnosis.js';
import { encodeHistogram, latencyHistogram, recordLatencyMs } from '../core/histogram.js';
import type { Marker } from '../record/marker.js';
import { buildBatch, sendBatch } from '../kafka/produce.js';
import type { Settings } from '../inputs/settings.js';
import { ThrottleMeter } from '../core/stats.js';
import { SHARD_SCHEMA, SHARD_SCHEMA_VERSION, type FailureCount, type ShardFile } from './model.js';
import { describeRate, parseInstant, shardEventsPerSec, type CapacitySettings } from './settings.js';

/** Sleeps until `until` (epoch ms) in short steps, so a signal or a moved clock is noticed. */
async function sleepUntil(until: number): Promise<void> {
  for (let left = until - Date.now(); left > 0; left = until - Date.now()) await new Promise((r) => setTimeout(r, Math.min(left, 200)));
}

/** A shard fails when it acknowledged less than this part of its share (rate share x duration). */
export const MIN_SHARE_ACKNOWLEDGED = 0.9;

export interface StartWait {
  /** The agreed start (epoch ms), or undefined when it never came. */
  readonly startAt?: number;
  readonly problem?: string;
}

/**
 * The agreed start: READINESS_CAPACITY_START_AT (known up front), or the time written into
 * READINESS_CAPACITY_START_FILE once it appears. Never waits longer than READINESS_CAPACITY_MAX_WAIT_S.
 */
export async function waitForStart(c: CapacitySettings, onWaiting: (text: string) => void): Promise<StartWait> {
  const giveUpAt = Date.now() + c.maxWaitS * 1000;
  let startAt = c.startAt;
  if (startAt === undefined && c.startFile) {
    onWaiting(`waiting for the start time in ${c.startFile} (at most ${c.maxWaitS} s)`);
    while (!existsSync(c.startFile)) {
      if (Date.now() > giveUpAt)
        return { problem: `READINESS_CAPACITY_START_FILE ${c.startFile} did not appear within ${c.maxWaitS} s (READINESS_CAPACITY_MAX_WAIT_S)` };
      await new Promise((r) => setTimeout(r, 100));
    }
    try {
      startAt = parseInstant('READINESS_CAPACITY_START_FILE', readFileSync(c.startFile, 'utf8')) + c.startDelayS * 1000;
    } catch (error) {
      return { problem: (error as Error).message };
    }
  }
  if (startAt === undefined) return { problem: 'no start time: set READINESS_CAPACITY_START_AT or READINESS_CAPACITY_START_FILE' };
  if (startAt > giveUpAt) return { problem: `the start ${new Date(startAt).toISOString()} is more than READINESS_CAPACITY_MAX_WAIT_S (${c.maxWaitS} s) away` };
  onWaiting(`starting at ${new Date(startAt).toISOString()} (in ${Math.max(0, Math.round((startAt - Date.now()) / 100) / 10)} s)`);
  await sleepUntil(startAt);
  return { startAt };
}

export interface ShardRunOptions {
  readonly capacity: CapacitySettings;
  readonly settings: Settings;
  readonly topic: string;
  readonly bootstrap: string;
  readonly profile: string;
  readonly marker: Marker;
  /** Builds event i (already serialized, about eventBytes long) and its key. */
  readonly make: (i: number) => { key: string; value: string };
  /** Where the producer's client reports throttle_time_ms (createKafka's onThrottle calls its `add`). */
  readonly throttle: ThrottleTap;
  readonly onAck?: (acknowledged: number) => void;
}

/** Counts per epoch second, grown as needed. */
class Seconds {
  readonly acknowledged: number[] = [];
  readonly bytes: number[] = [];
  readonly throttleMs: number[] = [];
  constructor(readonly firstSecond: number) {}
  private at(ms: number): number {
    return Math.max(0, Math.floor(ms / 1000) - this.firstSecond);
  }
  add(ms: number, acknowledged: number, bytes: number): void {
    const i = this.at(ms);
    for (const list of [this.acknowledged, this.bytes, this.throttleMs]) while (list.length <= i) list.push(0);
    this.acknowledged[i] = (this.acknowledged[i] ?? 0) + acknowledged;
    this.bytes[i] = (this.bytes[i] ?? 0) + bytes;
  }
  throttle(ms: number, throttleMs: number): void {
    this.add(ms, 0, 0);
    const i = this.at(ms);
    this.throttleMs[i] = (this.throttleMs[i] ?? 0) + throttleMs;
  }
}

/**
 * Sends for `durationS` from `startAt`: paced to this shard's share of the rate (events due so far, in requests of
 * up to READINESS_BURST_BATCH_SIZE events under the request size cap), READINESS_BURST_IN_FLIGHT requests at once.
 * Every event ends acknowledged or failed exactly once. Throttled requests are counted and sending goes on (that is
 * what a capacity probe meets near the limit); any other failure stops new sends, as the verdict is already "failed".
 */
export async function runShard(producer: Producer, startAt: number, o: ShardRunOptions): Promise<ShardFile> {
  const { capacity: c, settings } = o;
  const perSec = shardEventsPerSec(c);
  const perRequest = Math.max(1, Math.min(settings.BURST_BATCH_SIZE, Math.floor(settings.BURST_MAX_BATCH_BYTES / c.eventBytes)));
  const histogram = latencyHistogram();
  const samples: Array<[number, number]> = [];
  const failures = new Map<string, FailureCount>();
  const startMs = Date.now();
  const seconds = new Seconds(Math.floor(startMs / 1000));
  const endIssuing = startMs + c.durationS * 1000;
  let lastAnswer = startMs;
  let issued = 0;
  let acknowledged = 0;
  let failed = 0;
  let bytes = 0;
  let stop = false;
  const throttle = new ThrottleMeter();
  o.throttle.listener = (ms) => {
    throttle.add(ms);
    seconds.throttle(Date.now(), ms);
  };

  const worker = async () => {
    while (!stop) {
      const now = Date.now();
      if (now >= endIssuing) break;
      let count = perRequest;
      if (perSec !== undefined) {
        const due = Math.floor((perSec * (now - startMs)) / 1000) + 1 - issued;
        if (due < 1) {
          // Ahead of the pace: wait until the next event is due (or the window ends).
          const nextDueAt = startMs + (issued * 1000) / perSec;
          await new Promise((r) => setTimeout(r, Math.max(1, Math.min(nextDueAt, endIssuing) - now)));
          continue;
        }
        count = Math.min(perRequest, due);
      }
      const first = issued;
      issued += count;
      const { messages, bytes: batchBytes } = buildBatch(o.make, first, count, o.marker);
      try {
        const ms = await sendBatch(producer, settings, o.topic, messages, `capacity send of ${count} event(s)`);
        recordLatencyMs(histogram, ms, count);
        if (c.samples) samples.push([ms, count]);
        lastAnswer = Date.now();
        seconds.add(lastAnswer, count, batchBytes);
        acknowledged += count;
        bytes += batchBytes;
        o.onAck?.(acknowledged);
      } catch (error) {
        lastAnswer = Date.now();
        failed += count;
        const d = diagnose(error);
        if (d.failureClass !== 'throttled') stop = true;
        const had = failures.get(d.failureClass);
        failures.set(d.failureClass, { failureClass: d.failureClass, count: (had?.count ?? 0) + count, detail: had?.detail ?? d.detail });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: settings.BURST_IN_FLIGHT }, worker));
  } finally {
    o.throttle.listener = undefined;
  }
  const endMs = Math.max(lastAnswer, startMs + 1);
  const durationMs = endMs - startMs;
  const throttleMs = throttle.totalMs;
  const eventsPerSec = Math.round((acknowledged / (durationMs / 1000)) * 10) / 10;
  const problems: string[] = [];
  if (failed > 0) problems.push(`${failed} of ${issued} events failed (${[...failures.values()].map((f) => `${f.count} ${f.failureClass}`).join(', ')})`);
  // The pace is judged over the time sending was allowed: the share times the duration, less 10%.
  if (perSec !== undefined && acknowledged < perSec * c.durationS * MIN_SHARE_ACKNOWLEDGED) {
    problems.push(
      `${acknowledged} events acknowledged, under ${MIN_SHARE_ACKNOWLEDGED * 100}% of this shard's share (${Math.round(perSec * c.durationS)} = ${Math.round(perSec * 10) / 10}/s for ${c.durationS} s)`,
    );
  }
  return {
    schema: SHARD_SCHEMA,
    schemaVersion: SHARD_SCHEMA_VERSION,
    shard: c.shard,
    host: hostname(),
    runId: o.marker.runId,
    profile: o.profile,
    bootstrap: o.bootstrap,
    topic: o.topic,
    requested: {
      rate: describeRate(c.rate),
      shardEventsPerSec: perSec === undefined ? null : Math.round(perSec * 1000) / 1000,
      durationS: c.durationS,
      eventBytes: c.eventBytes,
    },
    plannedStartAt: new Date(startAt).toISOString(),
    window: { startedAt: new Date(startMs).toISOString(), endedAt: new Date(endMs).toISOString(), startMs, endMs, lateByMs: Math.max(0, startMs - startAt) },
    totals: {
      attempted: issued,
      acknowledged,
      failed,
      bytes,
      throttleMs,
      eventsPerSec,
      mbPerSec: Math.round((bytes / 1e6 / (durationMs / 1000)) * 1000) / 1000,
    },
    perSecond: { firstSecond: seconds.firstSecond, acknowledged: seconds.acknowledged, bytes: seconds.bytes, throttleMs: seconds.throttleMs },
    ackLatency: { unit: 'us', hdr: encodeHistogram(histogram) },
    failures: [...failures.values()],
    verdict: problems.length === 0 ? 'pass' : 'fail',
    problems,
    ...(c.samples ? { samples } : {}),
  };
}

/** Passes the client's throttle reports to the shard that is running, if any. */
export class ThrottleTap {
  listener: ((ms: number) => void) | undefined;
  add(ms: number): void {
    if (ms > 0) this.listener?.(ms);
  }
}
