// What a project's globalSetup hands to the checks (via provide/inject): serializable, typed here once.
import type { BrokerKeys } from '../broker/keys.js';
import type { Preflight } from '../preflight/stages.js';
import type { Profile } from '../record/result.js';
import type { ControlPlaneResult } from '../record/control-plane.js';
import type {} from 'vitest';
import type { RunInputs } from '../inputs/run-inputs.js';

export type { CheckRecord, CheckSamples, EncodedLatency, Profile } from '../record/result.js';

declare module 'vitest' {
  export interface ProvidedContext {
    profile: Profile;
    /** FABRIC_* and READINESS_* variables of this run, from the environment and the .env file. */
    runEnv: Record<string, string>;
    /** The same, parsed once: endpoint, consumer, settings and their problems (support/inputs/run-inputs.ts). */
    inputs: RunInputs;
    /** The .env file that was read, if any. */
    envFile: string;
    /** Staged connectivity results, or null when the configuration was not usable. */
    preflight: Preflight | null;
    /** What Fabric's control plane said (every step not run, with the reason, when it was not configured). */
    controlPlane: ControlPlaneResult;
    /** Why the preflight did not run. */
    preflightSkipped: string;
    /** Where the connection string came from, judged for the SecretsStored row. */
    secrets: { status: 'Pass' | 'Action Required' | 'Not Run'; evidence: string };
    /** Where every report goes (READINESS_REPORTS_DIR, checked and created by vitest.config.ts). */
    reportsDir: string;
    /** The run journal (JSON lines), written by each finished check. */
    journalFile: string;
    /**
     * The self project's shared broker: its FABRIC_* variables (secrets included), port, the telemetry topic's
     * connection string, and every key it issued (per topic, namespace, Listen-only).
     */
    selfBroker: { env: Record<string, string>; saslPort: number; connectionString: string; keys: BrokerKeys };
  }
}
