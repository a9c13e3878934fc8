// What a check records for the report, and the profile it ran under: written by the checks, read by the report.
import type {} from 'vitest';
import type { CheckId } from './ids.js';

export type Profile = 'fabric' | 'local';

export interface CheckRecord {
  /** Stable id, e.g. "connectivity.tls". */
  readonly id: string;
  /** What the check measured; its verdict is the test's own result. */
  readonly measured: Record<string, string | number | boolean>;
  readonly thresholds: Record<string, string | number | boolean>;
  readonly warnings: readonly string[];
  /** Why the check did not run (only for checks that skipped themselves). */
  readonly reason?: string;
  readonly diagnosis?: { failureClass: string; cause: string; hint: string };
  /** Raw samples behind the measured percentiles and rates, kept for charts and for merging runs or shards. */
  readonly samples?: CheckSamples;
}

/** A latency distribution as HdrHistogram's compressed base64 encoding of microsecond values (support/core/histogram.ts). */
export interface EncodedLatency {
  readonly unit: 'us';
  readonly hdr: string;
}

export interface CheckSamples {
  /** Per-event acknowledgement latency (the max-rate burst). */
  readonly ackLatency?: EncodedLatency;
  /** Per-event end-to-end latency, produce to read back (the round trip). */
  readonly e2eLatency?: EncodedLatency;
  /** Acknowledged events per time bucket since the burst started. */
  readonly acksPerBucket?: { readonly bucketMs: number; readonly counts: readonly number[] };
}

// Each check's record travels to the reporter in its test's meta.
declare module 'vitest' {
  export interface TaskMeta {
    check?: CheckRecord;
    /** The check's frozen id (support/record/ids.ts), declared beside its title in the test's options. */
    checkId?: CheckId;
  }
}
