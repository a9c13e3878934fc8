// The readiness report's versioned schema: what readiness.json holds, how a check and the endpoint appear in it, and how an earlier report is read back.
import { readableValues } from '../core/readable.js';
import type { Preflight } from '../preflight/stages.js';
import { STAGE_TITLES, type StageName } from '../record/stages.js';
import type { CheckRecord, Profile } from '../record/result.js';
import type { EndpointParts } from '../inputs/config.js';
import type { CapacityReport } from '../capacity/model.js';
import type { ControlPlaneResult } from '../record/control-plane.js';
import type { Assessment } from './assessment.js';
import type { TrendReport } from './trend-model.js';
import { CONNECTION_STRING_USERNAME } from '../facts/eventstream.js';

export const REPORT_SCHEMA = 'eventstream-readiness/report';

/** 2 added raw samples (`checks[].samples`), the connectivity waterfall (`connectivity`) and `trend`. */
export const REPORT_SCHEMA_VERSION = 2;

/** Versions this code reads as a baseline or as history (every field added since 1 is optional). */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

export type RowStatus = 'Pass' | 'Action Required' | 'Not Run';

/** One finished check, as the journal or the reporter saw it. */
export interface CheckEntry {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly state: 'pass' | 'fail' | 'skip';
  readonly check?: CheckRecord;
  /** The failure message (already redacted), or the not-run reason. */
  readonly message?: string;
  readonly durationMs?: number;
}

/** A check as the report shows it: what it recorded, plus its name, file and verdict. */
export interface ReportCheck extends CheckRecord {
  readonly name: string;
  readonly file: string;
  readonly status: RowStatus;
  readonly failure?: string;
  readonly durationMs?: number;
}

export interface ReadinessRow {
  /** The notebook's name (Tcp9093Open is named for the actual port). */
  readonly name: string;
  readonly status: RowStatus;
  /** What the row means, so a reader knows what Pass promises. */
  readonly meaning: string;
  readonly evidence: string;
}

export interface MetricComparison {
  readonly checkId: string;
  readonly metric: string;
  readonly baseline: number;
  readonly now: number;
  readonly changePct: number;
  readonly tolerancePct: number;
  readonly regressed: boolean;
}

export interface Comparison {
  readonly baselineFile: string;
  readonly baselineGeneratedAt: string;
  /** Checks that passed in the baseline and fail now: reachability regressed. */
  readonly newlyFailing: readonly string[];
  /** Checks that failed in the baseline and pass now. */
  readonly recovered: readonly string[];
  readonly metrics: readonly MetricComparison[];
  /**
   * What could not be compared, and why: never skipped in silence. A check that passed before and is missing now,
   * or a tracked metric missing from a check that passed now, fails (the latter by READINESS_PERF_REGRESSION).
   * Added in schema 2, optional for older reports.
   */
  readonly notCompared?: readonly NotCompared[];
  readonly perfPolicy: 'fail' | 'warn';
}

export interface NotCompared {
  readonly checkId: string;
  /** Absent for a whole check. */
  readonly metric?: string;
  readonly missingFrom: 'baseline' | 'now';
  readonly reason: string;
  /** Whether this gap fails the gate (a renamed id or metric would otherwise make it blind). */
  readonly fails: boolean;
}

export interface EndpointSummary {
  readonly bootstrap: string;
  readonly username: string;
  readonly keyName?: string;
  readonly entityPath?: string;
  readonly topics: { readonly telemetry: string; readonly orders: string };
}

/** One preflight stage on the connectivity waterfall: from when its work started to when it ended (a stage started alongside an earlier one overlaps it). */
export interface StageTiming {
  readonly stage: StageName;
  readonly title: string;
  readonly status: 'pass' | 'fail' | 'not-run';
  readonly startMs: number;
  readonly durationMs: number;
}

export interface ConnectivityTimeline {
  readonly endpoint: string;
  readonly stages: readonly StageTiming[];
}

/** The stages' timings as a waterfall (schemaVersion 2). */
export function connectivityTimeline(preflight: Preflight | null): ConnectivityTimeline | undefined {
  if (!preflight) return undefined;
  const stages = preflight.stages.map((s): StageTiming => ({
    stage: s.stage,
    title: STAGE_TITLES[s.stage],
    status: s.status,
    startMs: s.startMs,
    durationMs: s.durationMs,
  }));
  return { endpoint: preflight.endpoint, stages };
}

export interface ReadinessReport {
  readonly schema: typeof REPORT_SCHEMA;
  /** Written as REPORT_SCHEMA_VERSION; earlier versions are read as baselines and history. */
  readonly schemaVersion: number;
  readonly generatedAt: string;
  readonly profile: Profile;
  readonly endpoint: EndpointSummary;
  /** pass: every check passed and nothing regressed. */
  readonly verdict: 'pass' | 'fail';
  readonly summary: { readonly passed: number; readonly actionRequired: number; readonly notRun: number };
  readonly readiness: readonly ReadinessRow[];
  readonly checks: readonly ReportCheck[];
  readonly baseline: { readonly used: boolean; readonly note: string };
  readonly comparison?: Comparison;
  readonly assessment?: Assessment;
  readonly assessmentNote: string;
  /** READINESS_LOAD: how much the run wrote; light mode names the checks it left out (added in schema 1, optional). */
  readonly load?: { readonly mode: 'full' | 'light'; readonly leftOut: ReadonlyArray<{ readonly id: string; readonly writes: string }> };
  /** Connectivity stage timings (schemaVersion 2; absent when the preflight did not run). */
  readonly connectivity?: ConnectivityTimeline;
  /** Earlier runs from READINESS_HISTORY_DIR and the trend check over them (schemaVersion 2). */
  readonly trend?: TrendReport;
  /** The merged capacity shards (`npm run capacity:merge`; optional, added within schema 2). */
  readonly capacity?: CapacityReport;
  /** What Fabric's control plane said: the eventstream's topology with each node's status (optional, added within schema 2). */
  readonly controlPlane?: ControlPlaneResult;
  /** Where the run pushed its figures (Pushgateway, OTLP) and what failed (optional, added within schema 2; absent when none is configured). */
  readonly monitoring?: MonitoringOutcome;
}

/** The run's push to monitoring: destinations named without credentials; a failed push is a warning, never the verdict. */
export interface MonitoringOutcome {
  readonly destinations: readonly string[];
  readonly pushed: readonly string[];
  /** How many samples each destination was sent. */
  readonly samples: number;
  readonly warnings: readonly string[];
}

/** A stable id for a check without an explicit one: "Smoke > publishes ..." -> "smoke.publishes-...". */
export function idFromName(name: string): string {
  const parts = name.split(' > ');
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60);
  return parts.length > 1 ? `${slug(parts[0] ?? '')}.${slug(parts.slice(1).join(' '))}` : slug(parts[0] ?? '');
}

export function toReportCheck(e: CheckEntry): ReportCheck {
  const status: RowStatus = e.state === 'pass' ? 'Pass' : e.state === 'fail' ? 'Action Required' : 'Not Run';
  return {
    id: e.check?.id ?? e.id,
    name: e.name,
    file: e.file,
    status,
    measured: readableValues(e.check?.measured ?? {}),
    thresholds: readableValues(e.check?.thresholds ?? {}),
    warnings: e.check?.warnings ?? [],
    reason: e.state === 'skip' ? (e.check?.reason ?? e.message ?? 'not run') : undefined,
    diagnosis: e.state === 'fail' ? e.check?.diagnosis : undefined,
    failure: e.state === 'fail' ? e.message : undefined,
    durationMs: e.durationMs,
    samples: e.check?.samples,
  };
}

/** The non-secret description of the endpoint: host:port list, user kind, key name, topics. */
export function endpointSummary(parts: EndpointParts): EndpointSummary {
  return {
    bootstrap: parts.brokers.length ? parts.brokers.map((b) => `${b.host}:${b.port}`).join(',') : '(not set)',
    username: parts.username === CONNECTION_STRING_USERNAME ? CONNECTION_STRING_USERNAME : parts.username ? '(custom user)' : '(not set)',
    keyName: parts.connectionString?.keyName,
    entityPath: parts.connectionString?.entityPath,
    topics: { telemetry: parts.topics.telemetry || '(not set)', orders: parts.topics.orders || '(not set)' },
  };
}

/** Reads and sanity-checks an earlier readiness.json; throws naming the variable, the file and what is wrong. */
export function parseReport(text: string, file: string, variable: string): ReadinessReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${variable}: ${file} is not JSON (${(error as Error).message})`);
  }
  const r = data as Partial<ReadinessReport>;
  if (r.schema !== REPORT_SCHEMA || !Array.isArray(r.checks)) {
    throw new Error(`${variable}: ${file} is not a readiness report (expected "schema": "${REPORT_SCHEMA}" and a "checks" list)`);
  }
  if (!READABLE_SCHEMA_VERSIONS.includes(r.schemaVersion as number)) {
    throw new Error(`${variable}: ${file} has schemaVersion ${String(r.schemaVersion)}, this version reads ${READABLE_SCHEMA_VERSIONS.join(' and ')}`);
  }
  return r as ReadinessReport;
}

/** The previous run's readiness.json (READINESS_BASELINE). */
export function parseBaseline(text: string, file: string): ReadinessReport {
  return parseReport(text, file, 'READINESS_BASELINE');
}
