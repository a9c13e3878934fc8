// One capacity shard: waits for the agreed start, sends its share of the rate for the set time, counts every second.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Producer } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeHistogram } from '../core/histogram.js';
import type { Marker } from '../record/marker.js';
import { RequestCounter, sendBackToBack } from '../kafka/send-loop.js';
import type { Settings } from '../inputs/settings.js';
import { ThrottleMeter } from '../core/stats.js';
import { SHARD_SCHEMA, SHARD_SCHEMA_VERSION, type FailureCount, type ShardFile } from './model.js';
import { describeRate, parseInstant, shardEventsPerSec, type CapacitySettings } from './settings.js';

/** Sleeps until `until` (epoch ms) in short steps, so a signal or a moved clock is noticed. */
async function sleepUntil(until: number): Promise<void> {
  for (let left = until - Date.now(); left > 0; left = until - Date.now()) await sleep(Math.min(left, 200));
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
      await sleep(100);
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

/** What the shard notes beside the counts: per-second figures, the last answer, raw samples. */
interface ShardTally {
  readonly startMs: number;
  readonly seconds: Seconds;
  readonly samples: Array<[number, number]>;
  lastAnswer: number;
}

/** Throttled requests are counted and sending goes on (that is what a capacity probe meets near the limit); any other failure stops new sends. */
function shardCounter(producer: Producer, o: ShardRunOptions, tally: ShardTally): RequestCounter {
  const counter: RequestCounter = new RequestCounter({
    producer,
    settings: o.settings,
    topic: o.topic,
    make: o.make,
    marker: o.marker,
    what: 'capacity send',
    stopsOn: (failureClass) => failureClass !== 'throttled',
    onAcked: ({ count, bytes, ms }) => {
      if (o.capacity.samples) tally.samples.push([ms, count]);
      tally.lastAnswer = Date.now();
      tally.seconds.add(tally.lastAnswer, count, bytes);
      o.onAck?.(counter.acknowledged);
    },
    onFailed: () => {
      tally.lastAnswer = Date.now();
    },
  });
  return counter;
}

interface Pace {
  readonly perSec?: number;
  readonly perRequest: number;
  readonly startMs: number;
  readonly endIssuing: number;
}

/**
 * Events in the next request: as many as are due at this shard's share of the rate, up to `perRequest` (0 when none is
 * due yet); all `perRequest` when no rate is set; undefined once the sending window has ended.
 */
function dueCount(counter: RequestCounter, pace: Pace): number | undefined {
  const now = Date.now();
  if (now >= pace.endIssuing) return undefined;
  if (pace.perSec === undefined) return pace.perRequest;
  const due = Math.floor((pace.perSec * (now - pace.startMs)) / 1000) + 1 - counter.issued;
  return due >= 1 ? Math.min(pace.perRequest, due) : 0;
}

/** Ahead of the pace: waits until the next event is due (or the window ends). */
async function untilNextDue(counter: RequestCounter, pace: Pace): Promise<void> {
  if (pace.perSec === undefined) return;
  const nextDueAt = pace.startMs + (counter.issued * 1000) / pace.perSec;
  await sleep(Math.max(1, Math.min(nextDueAt, pace.endIssuing) - Date.now()));
}

/** What kept the shard from passing: failures, or too little of its share acknowledged. */
function shardProblems(counter: RequestCounter, c: CapacitySettings, perSec: number | undefined): string[] {
  const problems: string[] = [];
  if (counter.failed > 0) {
    const classes = [...counter.failures.entries()].map(([failureClass, f]) => `${f.count} ${failureClass}`).join(', ');
    problems.push(`${counter.failed} of ${counter.issued} events failed (${classes})`);
  }
  // The pace is judged over the time sending was allowed: the share times the duration, less 10%.
  if (perSec !== undefined && counter.acknowledged < perSec * c.durationS * MIN_SHARE_ACKNOWLEDGED) {
    problems.push(
      `${counter.acknowledged} events acknowledged, under ${MIN_SHARE_ACKNOWLEDGED * 100}% of this shard's share (${Math.round(perSec * c.durationS)} = ${Math.round(perSec * 10) / 10}/s for ${c.durationS} s)`,
    );
  }
  return problems;
}

/** The shard file: what was asked, the window actually used, the totals, per-second counts and the verdict. */
function shardFile(o: ShardRunOptions, run: { startAt: number; perSec?: number; counter: RequestCounter; tally: ShardTally; throttleMs: number }): ShardFile {
  const { capacity: c } = o;
  const { counter, tally, perSec, startAt } = run;
  const { startMs, seconds } = tally;
  const endMs = Math.max(tally.lastAnswer, startMs + 1);
  const durationMs = endMs - startMs;
  const problems = shardProblems(counter, c, perSec);
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
      attempted: counter.issued,
      acknowledged: counter.acknowledged,
      failed: counter.failed,
      bytes: counter.bytes,
      throttleMs: run.throttleMs,
      eventsPerSec: Math.round((counter.acknowledged / (durationMs / 1000)) * 10) / 10,
      mbPerSec: counter.mbPerSec(durationMs),
    },
    perSecond: { firstSecond: seconds.firstSecond, acknowledged: seconds.acknowledged, bytes: seconds.bytes, throttleMs: seconds.throttleMs },
    ackLatency: { unit: 'us', hdr: encodeHistogram(counter.histogram) },
    failures: [...counter.failures.entries()].map(([failureClass, f]): FailureCount => ({ failureClass, count: f.count, detail: f.diagnosis.detail })),
    verdict: problems.length === 0 ? 'pass' : 'fail',
    problems,
    ...(c.samples ? { samples: tally.samples } : {}),
  };
}

/**
 * Sends for `durationS` from `startAt`: paced to this shard's share of the rate (events due so far, in requests of
 * up to READINESS_BURST_BATCH_SIZE events under the request size cap), READINESS_BURST_IN_FLIGHT requests at once.
 * Every event ends acknowledged or failed exactly once (see RequestCounter).
 */
export async function runShard(producer: Producer, startAt: number, o: ShardRunOptions): Promise<ShardFile> {
  const { capacity: c, settings } = o;
  const perSec = shardEventsPerSec(c);
  const perRequest = Math.max(1, Math.min(settings.BURST_BATCH_SIZE, Math.floor(settings.BURST_MAX_BATCH_BYTES / c.eventBytes)));
  const startMs = Date.now();
  const tally: ShardTally = { startMs, seconds: new Seconds(Math.floor(startMs / 1000)), samples: [], lastAnswer: startMs };
  const counter = shardCounter(producer, o, tally);
  const throttle = new ThrottleMeter();
  o.throttle.listener = (ms) => {
    throttle.add(ms);
    tally.seconds.throttle(Date.now(), ms);
  };
  try {
    const pace: Pace = { perSec, perRequest, startMs, endIssuing: startMs + c.durationS * 1000 };
    await sendBackToBack(counter, {
      workers: settings.BURST_IN_FLIGHT,
      nextCount: () => dueCount(counter, pace),
      waitForMore: () => untilNextDue(counter, pace),
    });
  } finally {
    o.throttle.listener = undefined;
  }
  return shardFile(o, { startAt, perSec, counter, tally, throttleMs: throttle.totalMs });
}

/** Passes the client's throttle reports to the shard that is running, if any. */
export class ThrottleTap {
  listener: ((ms: number) => void) | undefined;
  add(ms: number): void {
    if (ms > 0) this.listener?.(ms);
  }
}
