// Assembles the readiness report from what the checks recorded; shared by the readiness checks and the reporter.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BURST_METRIC, CHECK_ID } from '../record/ids.js';
import type { EndpointParts } from '../inputs/config.js';
import type { Preflight } from '../preflight/stages.js';
import type { ControlPlaneResult } from '../record/control-plane.js';
import { redact } from '../core/redact.js';
import type { Profile } from '../record/result.js';
import { LIGHT_MODE_LEAVES_OUT, type Env, type Settings } from '../inputs/settings.js';
import { assess, parseWorkloadProfile, type Assessment } from './assessment.js';
import { compareWithBaseline, comparisonFails } from './gate.js';
import {
  connectivityTimeline,
  endpointSummary,
  parseBaseline,
  REPORT_SCHEMA,
  REPORT_SCHEMA_VERSION,
  toReportCheck,
  type CheckEntry,
  type Comparison,
  type MonitoringOutcome,
  type ReadinessReport,
  type RowStatus,
} from './model.js';
import { readinessRows } from './rows.js';
import { buildTrend, trendFails, trendPoint } from './trend.js';

export interface ReportInputs {
  readonly profile: Profile;
  /** FABRIC_* and READINESS_* of the run: only the report's own path settings are read from it (baseline, workload, history). */
  readonly runEnv: Env;
  /** The settings and the endpoint's parts, as global setup parsed them once. */
  readonly settings: Settings;
  readonly endpoint: EndpointParts;
  readonly preflight: Preflight | null;
  readonly preflightSkipped: string;
  readonly secrets: { status: RowStatus; evidence: string };
  /** What Fabric's control plane said (absent: not asked). */
  readonly controlPlane?: ControlPlaneResult;
  readonly entries: readonly CheckEntry[];
  readonly cwd: string;
  /** Where the run will push its figures (named without credentials), for the MonitoringDefined row. */
  readonly monitoring?: { readonly destinations: readonly string[] };
  readonly now?: Date;
  /** Baseline checks not to expect among `entries` yet (the readiness checks judge the run while it is still going). */
  readonly stillRunning?: (check: { readonly file: string }) => boolean;
}

export interface LoadedBaseline {
  readonly used: boolean;
  readonly note: string;
  readonly report?: ReadinessReport;
  readonly file?: string;
  /** Set when READINESS_BASELINE points at a file that is not a usable report. */
  readonly error?: string;
}

/** READINESS_BASELINE: the previous run's readiness.json. Missing file = no baseline (said so), bad file = error. */
export function loadBaseline(env: Env, cwd: string): LoadedBaseline {
  const raw = env.READINESS_BASELINE?.trim();
  if (!raw) return { used: false, note: 'no baseline: READINESS_BASELINE is not set, so the run is judged on thresholds alone' };
  const file = resolve(cwd, raw);
  if (!existsSync(file)) return { used: false, file, note: `no baseline at ${file} (first run?): judged on thresholds alone` };
  try {
    const report = parseBaseline(readFileSync(file, 'utf8'), file);
    return { used: true, file, report, note: `compared with ${file} from ${report.generatedAt} (${report.profile} profile)` };
  } catch (error) {
    return { used: false, file, note: (error as Error).message, error: (error as Error).message };
  }
}

export interface LoadedAssessment {
  readonly assessment?: Assessment;
  readonly note: string;
  readonly error?: string;
}

/** READINESS_WORKLOAD_FILE: the team's answers (see fixtures/workload-profile.example.yaml). */
export function loadAssessment(env: Env, cwd: string, burstFact?: string): LoadedAssessment {
  const raw = env.READINESS_WORKLOAD_FILE?.trim();
  if (!raw) return { note: 'no workload profile: set READINESS_WORKLOAD_FILE (start from fixtures/workload-profile.example.yaml)' };
  const file = resolve(cwd, raw);
  if (!existsSync(file))
    return { note: `READINESS_WORKLOAD_FILE: no file at ${file}`, error: `READINESS_WORKLOAD_FILE: expected a readable YAML or JSON file; no file at ${file}` };
  try {
    const assessment = assess(parseWorkloadProfile(readFileSync(file, 'utf8'), file), file, { burst: burstFact });
    return { assessment, note: `from ${file}` };
  } catch (error) {
    return { note: (error as Error).message, error: (error as Error).message };
  }
}

/** "all 5000 acknowledged at 11130 events/s, ack p99 90 ms, throttled 0 ms" from the max-rate burst check. */
export function burstFact(entries: readonly CheckEntry[]): string | undefined {
  const burst = entries.find((e) => e.check?.id === CHECK_ID.burstMaxRate);
  if (!burst?.check || burst.state === 'skip') return undefined;
  const m = burst.check.measured;
  const verdict = burst.state === 'pass' ? 'absorbed' : 'NOT absorbed';
  return `measured: burst ${verdict}: ${m.acknowledged}/${m.attempted} events acknowledged at ${m[BURST_METRIC.eventsPerSec]} events/s, ack p99 ${m[BURST_METRIC.ackP99]} ms, broker throttling ${m[BURST_METRIC.throttleTotal]} ms`;
}

/** Redacts every string in a JSON-shaped value (keys included), leaving its structure intact. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return (value as unknown[]).map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [redact(k), redactDeep(v)])) as T;
  }
  return value;
}

export function buildReport(inputs: ReportInputs): ReadinessReport {
  const { runEnv, cwd, settings } = inputs;
  const checks = inputs.entries.map(toReportCheck);
  const baseline = loadBaseline(runEnv, cwd);
  let comparison: Comparison | undefined;
  if (baseline.report && baseline.file) {
    const { stillRunning } = inputs;
    const expected = stillRunning ? { ...baseline.report, checks: baseline.report.checks.filter((c) => !stillRunning(c)) } : baseline.report;
    comparison = compareWithBaseline(checks, expected, baseline.file, {
      throughputDropPct: settings.REGRESSION_THROUGHPUT_DROP_PCT,
      latencyRisePct: settings.REGRESSION_LATENCY_RISE_PCT,
      latencyMinMs: settings.REGRESSION_LATENCY_MIN_MS,
      perfPolicy: settings.PERF_REGRESSION,
    });
  }
  const port = inputs.endpoint.brokers[0]?.port ?? inputs.endpoint.defaultPort;
  const readiness = readinessRows({
    preflight: inputs.preflight,
    preflightSkipped: inputs.preflightSkipped,
    port,
    secrets: inputs.secrets,
    topics: { telemetry: inputs.endpoint.topics.telemetry || undefined, orders: inputs.endpoint.topics.orders || undefined },
    baseline: { used: baseline.used, note: baseline.note },
    controlPlane: inputs.controlPlane,
    monitoring: inputs.monitoring,
  });
  const assessment = loadAssessment(runEnv, cwd, burstFact(inputs.entries));
  const actionRequired = checks.filter((c) => c.status === 'Action Required').length;
  const generatedAt = (inputs.now ?? new Date()).toISOString();
  const verdict = actionRequired === 0 && !comparisonFails(comparison) ? 'pass' : 'fail';
  const trend = buildTrend(runEnv, cwd, settings, trendPoint({ generatedAt, verdict, checks }, 'this run'));
  const report: ReadinessReport = {
    schema: REPORT_SCHEMA,
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt,
    profile: inputs.profile,
    endpoint: endpointSummary(inputs.endpoint),
    verdict: verdict === 'pass' && !trendFails(trend) ? 'pass' : 'fail',
    summary: { passed: checks.filter((c) => c.status === 'Pass').length, actionRequired, notRun: checks.filter((c) => c.status === 'Not Run').length },
    readiness,
    checks,
    baseline: { used: baseline.used, note: baseline.note },
    comparison,
    assessment: assessment.assessment,
    assessmentNote: assessment.note,
    load: { mode: settings.LOAD, leftOut: settings.LOAD === 'light' ? LIGHT_MODE_LEAVES_OUT.map((e) => ({ ...e })) : [] },
    connectivity: connectivityTimeline(inputs.preflight),
    trend,
    ...(inputs.controlPlane ? { controlPlane: inputs.controlPlane } : {}),
  };
  // One last pass over everything that leaves the process: no secret survives, whatever a check recorded.
  return redactDeep(report);
}

/** The report with the run's push outcome: its `monitoring` section, and each failed push as a warning on the MonitoringDefined row. */
export function withMonitoring(report: ReadinessReport, outcome: MonitoringOutcome | undefined): ReadinessReport {
  if (!outcome) return report;
  const readiness = report.readiness.map((row) =>
    row.name === 'MonitoringDefined' && outcome.warnings.length
      ? { ...row, evidence: [row.evidence, ...outcome.warnings.map((w) => `warning: ${w}`)].join('; ') }
      : row,
  );
  return redactDeep({ ...report, readiness, monitoring: outcome });
}
