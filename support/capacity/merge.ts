// Combines capacity shards into one report and one verdict: totals second by second, percentiles from merged histograms.
import { THROUGHPUT_LEVELS_MB_PER_SEC } from '../facts/eventstream.js';
import { encodeHistogram, mergeHistograms, percentilesMs } from '../core/histogram.js';
import { SettingError, type Env } from '../inputs/settings.js';
import {
  SHARD_SCHEMA,
  SHARD_SCHEMA_VERSION,
  type CapacityReport,
  type CapacityTarget,
  type FailureCount,
  type LevelNeeded,
  type ShardFile,
  type ShardProblem,
  type ShardRow,
  type Throughput,
} from './model.js';

export interface MergePolicy {
  /** Targets from READINESS_CAPACITY_TARGET_*; without any, the requested rate (less 5%) is the target. */
  readonly target: Omit<CapacityTarget, 'source'>;
  /** fail: a missing, failed or unreadable shard fails the verdict; warn: it is only named. */
  readonly missing: 'fail' | 'warn';
  /** How many shards were started, when the files cannot say (none could be read). */
  readonly expected?: number;
}

/** READINESS_CAPACITY_TARGET_EVENTS_PER_SEC, _MB_PER_SEC, _P99_MS and READINESS_CAPACITY_MISSING. */
export function readMergePolicy(env: Env): MergePolicy {
  const num = (key: string): number | undefined => {
    const variable = `READINESS_CAPACITY_TARGET_${key}`;
    const raw = env[variable]?.trim();
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new SettingError(variable, 'a number above 0', JSON.stringify(raw));
    return n;
  };
  const missing = env.READINESS_CAPACITY_MISSING?.trim() || 'fail';
  if (missing !== 'fail' && missing !== 'warn') {
    throw new SettingError('READINESS_CAPACITY_MISSING', 'fail or warn (what a missing, failed or non-overlapping shard does)', JSON.stringify(missing));
  }
  return { target: { eventsPerSec: num('EVENTS_PER_SEC'), mbPerSec: num('MB_PER_SEC'), p99Ms: num('P99_MS') }, missing };
}

/** A shard file's text, checked for shape; throws with the file named. */
export function parseShardFile(text: string, file: string): ShardFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON (${(error as Error).message})`);
  }
  const s = data as Partial<ShardFile>;
  if (s.schema !== SHARD_SCHEMA) throw new Error(`${file} is not a capacity shard file (expected "schema": "${SHARD_SCHEMA}")`);
  if (s.schemaVersion !== SHARD_SCHEMA_VERSION)
    throw new Error(`${file} has schemaVersion ${String(s.schemaVersion)}, this version reads ${SHARD_SCHEMA_VERSION}`);
  if (!s.shard || !s.window || !s.totals || !s.perSecond || !s.ackLatency) throw new Error(`${file} lacks shard, window, totals, perSecond or ackLatency`);
  return s as ShardFile;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const iso = (ms: number) => new Date(ms).toISOString();
const label = (s: { index: number; count: number }) => `${s.index}/${s.count}`;

/** The lowest Eventstream throughput level whose cap covers `mbPerSec`. */
export function levelFor(mbPerSec: number | null, why: string): LevelNeeded {
  if (mbPerSec === null) return { mbPerSec: null, level: null, note: 'no target in MB/s or events/s to size a level for' };
  const levels = Object.entries(THROUGHPUT_LEVELS_MB_PER_SEC) as Array<[keyof typeof THROUGHPUT_LEVELS_MB_PER_SEC, number]>;
  const fit = levels.find(([, cap]) => mbPerSec <= cap);
  if (!fit) {
    return {
      mbPerSec: round(mbPerSec, 2),
      level: 'beyond High',
      note: `${round(mbPerSec, 2)} MB/s (${why}) is over the highest level's cap (High, 400 MB/s): split the load over several eventstreams`,
    };
  }
  return { mbPerSec: round(mbPerSec, 2), level: fit[0], note: `${round(mbPerSec, 2)} MB/s (${why}) needs throughput level ${fit[0]} (up to ${fit[1]} MB/s)` };
}

function sumInto(target: number[], offset: number, values: readonly number[]): void {
  values.forEach((v, i) => (target[offset + i] = (target[offset + i] ?? 0) + v));
}

function throughput(acknowledged: number, bytes: number, startMs: number, endMs: number): Throughput {
  const seconds = Math.max(0, (endMs - startMs) / 1000);
  return {
    acknowledged,
    bytes,
    seconds: round(seconds, 3),
    eventsPerSec: seconds > 0 ? round(acknowledged / seconds) : 0,
    mbPerSec: seconds > 0 ? round(bytes / 1e6 / seconds, 3) : 0,
    startedAt: iso(startMs),
    endedAt: iso(endMs),
  };
}

function overlaps(a: ShardFile, b: ShardFile): boolean {
  return a.window.startMs < b.window.endMs && b.window.startMs < a.window.endMs;
}

/** What the shard files say about the run as a whole, before any number is added up. */
interface ShardSet {
  /** One file per shard index, by index. */
  readonly merged: readonly ShardFile[];
  /** Shards started, as the files (or the policy) say. */
  readonly expected: number;
  readonly problems: ShardProblem[];
}

/** Unreadable files, and a second file for one shard index: named, not added twice. */
function oneFilePerShard(shards: readonly ShardFile[], unreadable: ReadonlyArray<{ file: string; error: string }>, severe: boolean) {
  const problems: ShardProblem[] = unreadable.map((u) => ({ shard: u.file, kind: 'unreadable', detail: u.error, fails: severe }));
  const byIndex = new Map<number, ShardFile>();
  for (const s of shards) {
    if (byIndex.has(s.shard.index)) {
      problems.push({ shard: label(s.shard), kind: 'duplicate', detail: `a second file for shard ${label(s.shard)} was ignored`, fails: true });
      continue;
    }
    byIndex.set(s.shard.index, s);
  }
  return { byIndex, problems };
}

/** Files that disagree on the number of shards or the planned start come from different runs. */
function otherRunProblems(files: readonly ShardFile[]): ShardProblem[] {
  const problems: ShardProblem[] = [];
  const counts = new Set(files.map((s) => s.shard.count));
  if (counts.size > 1) {
    problems.push({ shard: 'all', kind: 'other-run', detail: `the files disagree on the number of shards (${[...counts].join(', ')})`, fails: true });
  }
  const planned = new Set(files.map((s) => s.plannedStartAt).filter((p): p is string => p !== null));
  if (planned.size > 1) {
    const detail = `the files name different planned starts (${[...planned].join(', ')}): from different runs?`;
    problems.push({ shard: 'all', kind: 'other-run', detail, fails: true });
  }
  return problems;
}

function missingShards(byIndex: ReadonlyMap<number, ShardFile>, expected: number, severe: boolean): ShardProblem[] {
  const problems: ShardProblem[] = [];
  for (let i = 1; i <= expected; i++) {
    if (byIndex.has(i)) continue;
    const detail = `no file readiness-shard-${i}.json: the shard did not finish (killed, cancelled or its job failed before writing)`;
    problems.push({ shard: `${i}/${expected}`, kind: 'missing', detail, fails: severe });
  }
  return problems;
}

/** A shard whose window misses any other's cannot be part of a common load. */
function notOverlapping(merged: readonly ShardFile[]): ShardProblem[] {
  return merged.flatMap((s): ShardProblem[] => {
    const missed = merged.filter((o) => o !== s && !overlaps(s, o));
    if (missed.length === 0) return [];
    const detail = `its window ${s.window.startedAt} to ${s.window.endedAt} does not overlap shard(s) ${missed.map((o) => label(o.shard)).join(', ')}`;
    return [{ shard: label(s.shard), kind: 'not-overlapping', detail, fails: true }];
  });
}

/** The shards to merge, in index order, and every problem with the set, in the order a reader checks them. */
function shardSet(shards: readonly ShardFile[], unreadable: ReadonlyArray<{ file: string; error: string }>, policy: MergePolicy): ShardSet {
  const severe = policy.missing === 'fail';
  const { byIndex, problems } = oneFilePerShard(shards, unreadable, severe);
  const files = [...byIndex.values()];
  const expected = Math.max(policy.expected ?? 0, ...files.map((s) => s.shard.count));
  problems.push(...otherRunProblems(files), ...missingShards(byIndex, expected, severe));
  const merged = files.sort((a, b) => a.shard.index - b.shard.index);
  for (const s of merged) {
    if (s.verdict === 'fail') problems.push({ shard: label(s.shard), kind: 'failed', detail: s.problems.join('; ') || 'the shard failed', fails: severe });
  }
  problems.push(...notOverlapping(merged));
  return { merged, expected, problems };
}

/** Acknowledgements and bytes per wall-clock second, all shards added up, and each shard's own acknowledgements. */
interface PerSecondSums {
  readonly firstSecond: number;
  readonly acked: number[];
  readonly bytes: number[];
  readonly byShard: Record<string, number[]>;
}

function perSecondSums(merged: readonly ShardFile[], now: number): PerSecondSums {
  const firstSecond = Math.min(...merged.map((s) => s.perSecond.firstSecond), Math.floor(now / 1000));
  const sums: PerSecondSums = { firstSecond, acked: [], bytes: [], byShard: {} };
  for (const s of merged) {
    const offset = s.perSecond.firstSecond - firstSecond;
    sumInto(sums.acked, offset, s.perSecond.acknowledged);
    sumInto(sums.bytes, offset, s.perSecond.bytes);
    const own: number[] = [];
    sumInto(own, offset, s.perSecond.acknowledged);
    sums.byShard[label(s.shard)] = Array.from(own, (v) => v ?? 0);
  }
  return sums;
}

function totalsOf(merged: readonly ShardFile[]): CapacityReport['totals'] {
  const sum = (f: (s: ShardFile) => number) => merged.reduce((a, s) => a + f(s), 0);
  return {
    attempted: sum((s) => s.totals.attempted),
    acknowledged: sum((s) => s.totals.acknowledged),
    failed: sum((s) => s.totals.failed),
    bytes: sum((s) => s.totals.bytes),
    throttleMs: sum((s) => s.totals.throttleMs),
  };
}

/** From the first shard's start to the last one's end. */
function spanOf(merged: readonly ShardFile[], totals: CapacityReport['totals'], now: number): Throughput {
  const spanStart = merged.length ? Math.min(...merged.map((s) => s.window.startMs)) : now;
  const spanEnd = merged.length ? Math.max(...merged.map((s) => s.window.endMs)) : now;
  return throughput(totals.acknowledged, totals.bytes, spanStart, spanEnd);
}

/** Every shard sending: from the latest start to the earliest end, counted in the whole seconds inside it. */
function allSendingOf(merged: readonly ShardFile[], sums: PerSecondSums): Throughput | null {
  const commonStart = Math.max(...merged.map((s) => s.window.startMs));
  const commonEnd = Math.min(...merged.map((s) => s.window.endMs));
  const fromSecond = Math.ceil(commonStart / 1000);
  const toSecond = Math.floor(commonEnd / 1000); // exclusive
  if (merged.length === 0 || toSecond <= fromSecond) return null;
  let a = 0;
  let b = 0;
  for (let sec = fromSecond; sec < toSecond; sec++) {
    a += sums.acked[sec - sums.firstSecond] ?? 0;
    b += sums.bytes[sec - sums.firstSecond] ?? 0;
  }
  return throughput(a, b, fromSecond * 1000, toSecond * 1000);
}

/** Percentiles of all shards' samples together, from their merged histograms. */
function mergedLatency(merged: readonly ShardFile[]): CapacityReport['ackLatency'] {
  const hist = mergeHistograms(merged.map((s) => s.ackLatency.hdr));
  const p = percentilesMs(hist);
  return {
    count: p.count,
    p50: p.count ? p.p50 : null,
    p95: p.count ? p.p95 : null,
    p99: p.count ? p.p99 : null,
    max: p.count ? p.max : null,
    hdr: encodeHistogram(hist),
  };
}

function mergedFailures(merged: readonly ShardFile[]): FailureCount[] {
  const failures = new Map<string, FailureCount>();
  for (const f of merged.flatMap((s) => s.failures)) {
    const had = failures.get(f.failureClass);
    failures.set(f.failureClass, { failureClass: f.failureClass, count: (had?.count ?? 0) + f.count, detail: had?.detail ?? f.detail });
  }
  return [...failures.values()];
}

/** The level the target needs: its MB/s, else its events/s at the mean event size; without a target, the load carried with all shards sending. */
function levelNeededFor(target: CapacityTarget, meanEventBytes: number, allSending: Throughput | null): LevelNeeded {
  const fromEvents = target.eventsPerSec !== undefined && meanEventBytes > 0 ? (target.eventsPerSec * meanEventBytes) / 1e6 : undefined;
  const neededMb = target.mbPerSec ?? fromEvents ?? allSending?.mbPerSec ?? null;
  const why =
    target.mbPerSec !== undefined
      ? 'the target'
      : fromEvents !== undefined
        ? `the target's events/s at ${round(meanEventBytes, 0)} bytes each`
        : 'the load measured with all shards sending';
  return levelFor(neededMb, why);
}

/** What the verdict is judged on: the shards' problems, failed events, and the common window against the target. */
interface Judged {
  readonly problems: readonly ShardProblem[];
  readonly merged: readonly ShardFile[];
  readonly totals: CapacityReport['totals'];
  readonly failures: readonly FailureCount[];
  readonly allSending: Throughput | null;
  readonly ackLatency: CapacityReport['ackLatency'];
  readonly target: CapacityTarget;
}

/** Reasons the verdict fails, and warnings that do not fail it. */
function verdictOf(j: Judged): { reasons: string[]; warnings: string[] } {
  const { totals, target, allSending: judged } = j;
  const reasons: string[] = [];
  const warnings: string[] = [];
  for (const pr of j.problems) (pr.fails ? reasons : warnings).push(`shard ${pr.shard} ${pr.kind}: ${pr.detail}`);
  if (totals.failed > 0) reasons.push(`${totals.failed} event(s) failed: ${j.failures.map((f) => `${f.count} ${f.failureClass}`).join(', ')}`);
  if (!judged && j.merged.length > 0) reasons.push('the shards were never all sending for a whole second together: no common window to judge');
  if (judged && target.eventsPerSec !== undefined && judged.eventsPerSec < target.eventsPerSec) {
    reasons.push(`events/s with all shards sending ${judged.eventsPerSec} is under the target ${round(target.eventsPerSec)} (${target.source})`);
  }
  if (judged && target.mbPerSec !== undefined && judged.mbPerSec < target.mbPerSec) {
    reasons.push(`MB/s with all shards sending ${judged.mbPerSec} is under the target ${round(target.mbPerSec, 3)} (${target.source})`);
  }
  if (target.p99Ms !== undefined && j.ackLatency.p99 !== null && j.ackLatency.p99 > target.p99Ms) {
    reasons.push(`ack p99 ${j.ackLatency.p99} ms (all shards' samples together) is over the target ${target.p99Ms} ms`);
  }
  if (j.merged.length === 0) reasons.push('no shard file could be merged');
  if (target.source === 'none') warnings.push('no target: READINESS_CAPACITY_TARGET_EVENTS_PER_SEC or _MB_PER_SEC sets one (the shards sent at "max")');
  if (totals.throttleMs > 0) warnings.push(`the endpoint throttled the shards ${totals.throttleMs} ms in all`);
  return { reasons, warnings };
}

/**
 * One report from the shard files that could be read (`shards`) and those that could not (`unreadable`).
 * The window where all shards were sending counts only whole seconds inside it, from the per-second counts.
 */
export function mergeShards(
  shards: readonly ShardFile[],
  unreadable: ReadonlyArray<{ file: string; error: string }>,
  policy: MergePolicy,
  now = Date.now(),
): CapacityReport {
  const { merged, expected, problems } = shardSet(shards, unreadable, policy);
  const sums = perSecondSums(merged, now);
  const totals = totalsOf(merged);
  const allSending = allSendingOf(merged, sums);
  const ackLatency = mergedLatency(merged);
  const failures = mergedFailures(merged);
  const requested = merged[0]?.requested ?? null;
  const meanEventBytes = totals.acknowledged > 0 ? totals.bytes / totals.acknowledged : (requested?.eventBytes ?? 0);
  const target = targetOf(policy, requested, expected);
  const { reasons, warnings } = verdictOf({ problems, merged, totals, failures, allSending, ackLatency, target });
  return {
    generatedAt: iso(now),
    shardsExpected: expected,
    shardsMerged: merged.map((s) => label(s.shard)),
    problems,
    requested,
    topic: merged[0]?.topic ?? '',
    bootstrap: merged[0]?.bootstrap ?? '',
    allSending,
    span: spanOf(merged, totals, now),
    totals,
    ackLatency,
    failures,
    target,
    levelNeeded: levelNeededFor(target, meanEventBytes, allSending),
    shards: merged.map(shardRow),
    perSecond: { firstSecond: sums.firstSecond, byShard: sums.byShard },
    verdict: reasons.length === 0 ? 'pass' : 'fail',
    reasons,
    warnings,
  };
}

/** Explicit targets win; else the rate the shards were asked for, less 5% (pacing and whole-second counting). */
function targetOf(policy: MergePolicy, requested: ShardFile['requested'] | null, shards: number): CapacityTarget {
  const t = policy.target;
  if (t.eventsPerSec !== undefined || t.mbPerSec !== undefined || t.p99Ms !== undefined) return { ...t, source: 'READINESS_CAPACITY_TARGET_*' };
  if (requested?.shardEventsPerSec) return { eventsPerSec: round(requested.shardEventsPerSec * shards * 0.95), source: 'the requested rate' };
  return { source: 'none' };
}

function shardRow(s: ShardFile): ShardRow {
  const p = percentilesMs(mergeHistograms([s.ackLatency.hdr]));
  return {
    shard: label(s.shard),
    host: s.host,
    startedAt: s.window.startedAt,
    endedAt: s.window.endedAt,
    acknowledged: s.totals.acknowledged,
    failed: s.totals.failed,
    eventsPerSec: s.totals.eventsPerSec,
    mbPerSec: s.totals.mbPerSec,
    ackP50Ms: p.count ? p.p50 : null,
    ackP99Ms: p.count ? p.p99 : null,
    throttleMs: s.totals.throttleMs,
    verdict: s.verdict,
  };
}
