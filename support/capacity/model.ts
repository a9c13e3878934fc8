// What a capacity shard writes (readiness-shard-<i>.json) and what the merge makes of all of them: plain data, versioned.

export const SHARD_SCHEMA = 'eventstream-readiness/capacity-shard';
export const SHARD_SCHEMA_VERSION = 1;

/** Failures of one class, with one redacted example. */
export interface FailureCount {
  readonly failureClass: string;
  readonly count: number;
  readonly detail: string;
}

/** Counts per wall-clock second (epoch seconds), so shards on different machines add up second by second. */
export interface PerSecond {
  /** Epoch second of the first entry. */
  readonly firstSecond: number;
  readonly acknowledged: readonly number[];
  readonly bytes: readonly number[];
  /** Throttle time the broker asked for, by the second the response arrived. */
  readonly throttleMs: readonly number[];
}

export interface ShardFile {
  readonly schema: typeof SHARD_SCHEMA;
  readonly schemaVersion: number;
  readonly shard: { readonly index: number; readonly count: number };
  readonly host: string;
  /** The marker's run id: every event this shard wrote carries "capacity.shard/<runId>". */
  readonly runId: string;
  readonly profile: string;
  readonly bootstrap: string;
  readonly topic: string;
  readonly requested: {
    /** The whole run's rate, as READINESS_CAPACITY_RATE gave it ("5000 events/s", "20 MB/s", "max"). */
    readonly rate: string;
    /** This shard's share, events/s (null for max). */
    readonly shardEventsPerSec: number | null;
    readonly durationS: number;
    readonly eventBytes: number;
  };
  /** The agreed start (ISO), or null when the shard never learned it. */
  readonly plannedStartAt: string | null;
  /** When this shard sent its first event and got its last answer (wall clock). */
  readonly window: { readonly startedAt: string; readonly endedAt: string; readonly startMs: number; readonly endMs: number; readonly lateByMs: number };
  readonly totals: {
    readonly attempted: number;
    readonly acknowledged: number;
    readonly failed: number;
    readonly bytes: number;
    readonly throttleMs: number;
    readonly eventsPerSec: number;
    readonly mbPerSec: number;
  };
  readonly perSecond: PerSecond;
  /** Every acknowledged event's latency (HdrHistogram, compressed base64, microseconds). */
  readonly ackLatency: { readonly unit: 'us'; readonly hdr: string };
  readonly failures: readonly FailureCount[];
  readonly verdict: 'pass' | 'fail';
  /** Why the shard failed (empty when it passed). */
  readonly problems: readonly string[];
  /** With READINESS_CAPACITY_SAMPLES=true: each produce request's [latency ms, events]. */
  readonly samples?: ReadonlyArray<readonly [number, number]>;
}

export type ShardProblemKind = 'missing' | 'failed' | 'not-overlapping' | 'unreadable' | 'duplicate' | 'other-run';

/** A shard the verdict cannot count on, named. */
export interface ShardProblem {
  /** "2/4", or the file name for a file that could not be read. */
  readonly shard: string;
  readonly kind: ShardProblemKind;
  readonly detail: string;
  /** Whether it fails the verdict (READINESS_CAPACITY_MISSING=warn makes missing and failed shards warnings). */
  readonly fails: boolean;
}

export interface Throughput {
  readonly acknowledged: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly eventsPerSec: number;
  readonly mbPerSec: number;
  readonly startedAt: string;
  readonly endedAt: string;
}

export interface ShardRow {
  readonly shard: string;
  readonly host: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly acknowledged: number;
  readonly failed: number;
  readonly eventsPerSec: number;
  readonly mbPerSec: number;
  readonly ackP50Ms: number | null;
  readonly ackP99Ms: number | null;
  readonly throttleMs: number;
  readonly verdict: 'pass' | 'fail';
}

/** Eventstream's throughput levels cap a custom endpoint at 150, 300 or 400 MB/s. */
export interface LevelNeeded {
  readonly mbPerSec: number | null;
  /** The lowest level whose cap covers the target, "beyond High" above 400 MB/s, or null without a target. */
  readonly level: 'Low' | 'Medium' | 'High' | 'beyond High' | null;
  readonly note: string;
}

export interface CapacityTarget {
  readonly eventsPerSec?: number;
  readonly mbPerSec?: number;
  readonly p99Ms?: number;
  /** Where the target came from. */
  readonly source: 'READINESS_CAPACITY_TARGET_*' | 'the requested rate' | 'none';
}

export interface CapacityReport {
  readonly generatedAt: string;
  readonly shardsExpected: number;
  /** The shards merged ("1/3" ...), in order. */
  readonly shardsMerged: readonly string[];
  readonly problems: readonly ShardProblem[];
  readonly requested: ShardFile['requested'] | null;
  readonly topic: string;
  readonly bootstrap: string;
  /** Over the seconds in which every merged shard was sending (null when they never all were). */
  readonly allSending: Throughput | null;
  /** From the first shard's start to the last shard's end. */
  readonly span: Throughput;
  readonly totals: { readonly attempted: number; readonly acknowledged: number; readonly failed: number; readonly bytes: number; readonly throttleMs: number };
  /** Percentiles of every shard's samples together (merged histograms), ms. */
  readonly ackLatency: {
    readonly count: number;
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
    readonly max: number | null;
    readonly hdr: string;
  };
  readonly failures: readonly FailureCount[];
  readonly target: CapacityTarget;
  readonly levelNeeded: LevelNeeded;
  readonly shards: readonly ShardRow[];
  /** Acknowledged events per second, per shard, for the chart. */
  readonly perSecond: { readonly firstSecond: number; readonly byShard: Readonly<Record<string, readonly number[]>> };
  readonly verdict: 'pass' | 'fail';
  /** Every reason the verdict is fail (or, for pass, warnings). */
  readonly reasons: readonly string[];
  readonly warnings: readonly string[];
}
