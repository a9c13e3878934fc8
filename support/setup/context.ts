// What a project's globalSetup hands to the checks (via provide/inject): serializable, typed here once.
import type { BrokerKeys } from '../broker/layout.js';
import type { Preflight } from '../probes.js';
import type {} from 'vitest';
import type { CheckId } from '../check-ids.js';
import type { RunInputs } from '../run-inputs.js';

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

/** A latency distribution as HdrHistogram's compressed base64 encoding of microsecond values (support/histogram.ts). */
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

declare module 'vitest' {
  export interface ProvidedContext {
    profile: Profile;
    /** FABRIC_* and READINESS_* variables of this run, from the environment and the .env file. */
    runEnv: Record<string, string>;
    /** The same, parsed once: endpoint, consumer, settings and their problems (support/run-inputs.ts). */
    inputs: RunInputs;
    /** The .env file that was read, if any. */
    envFile: string;
    /** Staged connectivity results, or null when the configuration was not usable. */
    preflight: Preflight | null;
    /** Why the preflight did not run. */
    preflightSkipped: string;
    /** Where the connection string came from, judged for the SecretsStored row. */
    secrets: { status: 'Pass' | 'Action Required' | 'Not Run'; evidence: string };
    /** The run journal (JSON lines), written by each finished check. */
    journalFile: string;
    /**
     * The self project's shared broker: its FABRIC_* variables (secrets included), port, the telemetry topic's
     * connection string, and every key it issued (per topic, namespace, Listen-only).
     */
    selfBroker: { env: Record<string, string>; saslPort: number; connectionString: string; keys: BrokerKeys };
  }
  export interface TaskMeta {
    check?: CheckRecord;
    /** The check's frozen id (support/check-ids.ts), declared beside its title in the test's options. */
    checkId?: CheckId;
  }
}
