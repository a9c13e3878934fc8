// The readiness report: its versioned schema, the notebook's readiness rows, and the comparison with a baseline run.
import { BURST_METRIC, CHECK_ID, ROUND_TRIP_METRIC } from '../record/ids.js';
import { readableValues } from '../core/readable.js';
import type { Preflight } from '../preflight/probes.js';
import { STAGE_TITLES, type StageName } from '../record/stages.js';
import type { CheckRecord, Profile } from '../record/result.js';
import type { EndpointParts } from '../inputs/config.js';
import type { CapacityReport } from '../capacity/model.js';
import type { ControlPlaneResult } from '../record/control-plane.js';
import type { Assessment } from './assessment.js';
import type { TrendReport } from './trend-model.js';
import { CONNECTION_STRING_USERNAME } from '../facts/eventstream.js';
import { judgeChange } from '../core/change.js';

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

/** One preflight stage on the connectivity waterfall: stages run one after another, so each starts where the last ended. */
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
  let at = 0;
  const stages = preflight.stages.map((s) => {
    const timing: StageTiming = { stage: s.stage, title: STAGE_TITLES[s.stage], status: s.status, startMs: Math.round(at * 10) / 10, durationMs: s.durationMs };
    at += s.durationMs;
    return timing;
  });
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

export interface RowInputs {
  readonly preflight: Preflight | null;
  readonly preflightSkipped: string;
  readonly port: number;
  readonly secrets: { readonly status: RowStatus; readonly evidence: string };
  readonly topics: { readonly telemetry?: string; readonly orders?: string };
  readonly baseline: { readonly used: boolean; readonly note: string };
  /** What Fabric's control plane said; absent (older callers) reads as not configured. */
  readonly controlPlane?: ControlPlaneResult;
}

function stageRow(name: string, meaning: string, inputs: RowInputs, stage: 'dns' | 'tcp'): ReadinessRow {
  const result = inputs.preflight?.stages.find((s) => s.stage === stage);
  if (!result || result.status === 'not-run') {
    return { name, meaning, status: 'Not Run', evidence: result?.message ?? `not run: ${inputs.preflightSkipped || 'no preflight'}` };
  }
  const measured = Object.entries(result.measured)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');
  return { name, meaning, status: result.status === 'pass' ? 'Pass' : 'Action Required', evidence: result.status === 'pass' ? measured : result.message };
}

/** The notebook's rows, each with a meaning that can fail. */
export function readinessRows(inputs: RowInputs): ReadinessRow[] {
  const topicsStage = inputs.preflight?.stages.find((s) => s.stage === 'topics');
  const planned = Boolean(inputs.topics.telemetry && inputs.topics.orders);
  let topicRow: ReadinessRow;
  const topicMeaning = 'both topics are configured and exist on the endpoint with at least one partition';
  if (!planned)
    topicRow = {
      name: 'TopicPlanned',
      meaning: topicMeaning,
      status: 'Action Required',
      evidence: 'FABRIC_TOPIC_TELEMETRY and FABRIC_TOPIC_ORDERS must both be set',
    };
  else if (!topicsStage || topicsStage.status === 'not-run')
    topicRow = { name: 'TopicPlanned', meaning: topicMeaning, status: 'Not Run', evidence: topicsStage?.message ?? 'connectivity was not checked' };
  else if (topicsStage.status === 'fail') topicRow = { name: 'TopicPlanned', meaning: topicMeaning, status: 'Action Required', evidence: topicsStage.message };
  else {
    topicRow = {
      name: 'TopicPlanned',
      meaning: topicMeaning,
      status: 'Pass',
      evidence: `telemetry "${inputs.topics.telemetry}" ${topicsStage.measured['telemetry partitions']} partition(s), orders "${inputs.topics.orders}" ${topicsStage.measured['orders partitions']} partition(s)`,
    };
  }
  return [
    stageRow('DnsResolved', 'every bootstrap host name resolves from this runner', inputs, 'dns'),
    stageRow(`Tcp${inputs.port}Open`, `a TCP connection to port ${inputs.port} of every bootstrap host opens within the limit`, inputs, 'tcp'),
    {
      name: 'SecretsStored',
      meaning: 'the connection string comes from the environment (a CI secret or secret store) or an untracked, owner-only .env file; never from a file in git',
      ...inputs.secrets,
    },
    topicRow,
    {
      name: 'MonitoringDefined',
      meaning: 'this run is compared with a previous run (READINESS_BASELINE), so a regression fails the gate instead of going unnoticed',
      status: inputs.baseline.used ? 'Pass' : 'Action Required',
      evidence: inputs.baseline.note,
    },
    eventstreamRunningRow(inputs.controlPlane),
    testEventsFilteredRow(inputs.controlPlane),
  ];
}

const NOT_ASKED = 'the control plane was not asked (FABRIC_WORKSPACE_ID and FABRIC_EVENTSTREAM_ID are not set)';

/** EventstreamRunning: Fabric itself reports every source and destination Running, and the run's custom endpoint is this eventstream's. */
function eventstreamRunningRow(cp: ControlPlaneResult | undefined): ReadinessRow {
  const meaning =
    "Fabric's REST API reports every source (connector) and destination of the eventstream Running, and the custom endpoint the run writes to belongs to it";
  if (!cp?.configured) return { name: 'EventstreamRunning', meaning, status: 'Not Run', evidence: cp?.reason ?? NOT_ASKED };
  const steps = cp.steps.filter((st) => ['identity', 'eventstream', 'sources', 'destinations', 'custom-endpoint'].includes(st.step));
  const failed = steps.find((st) => st.status === 'fail');
  if (failed) return { name: 'EventstreamRunning', meaning, status: 'Action Required', evidence: failed.message };
  const notRun = steps.find((st) => st.status === 'not-run');
  if (notRun) return { name: 'EventstreamRunning', meaning, status: 'Not Run', evidence: notRun.message };
  const nodes = cp.topology?.nodes ?? [];
  const count = (kind: string) => nodes.filter((n) => n.kind === kind).length;
  const warned = steps.flatMap((st) => st.warnings).length;
  return {
    name: 'EventstreamRunning',
    meaning,
    status: 'Pass',
    evidence: `${count('source')} source(s) and ${count('destination')} destination(s) Running or External; ${cp.steps.find((st) => st.step === 'custom-endpoint')?.message ?? ''}${warned ? ` (${warned} warning(s))` : ''}`,
  };
}

/** TestEventsFiltered: the run's marked events cannot reach a real destination (Eventhouse, Lakehouse, ...). */
function testEventsFilteredRow(cp: ControlPlaneResult | undefined): ReadinessRow {
  const meaning =
    "every destination the run's test events reach (besides the custom endpoint destination the round trip reads) is behind a Filter that drops events carrying readinessTest";
  if (!cp?.configured) return { name: 'TestEventsFiltered', meaning, status: 'Not Run', evidence: cp?.reason ?? NOT_ASKED };
  const step = cp.steps.find((st) => st.step === 'test-events');
  if (!step || step.status === 'not-run') return { name: 'TestEventsFiltered', meaning, status: 'Not Run', evidence: step?.message ?? 'no result' };
  const open = step.measured.unprotected;
  if (step.status === 'fail' || (open !== undefined && open !== '(none)'))
    return { name: 'TestEventsFiltered', meaning, status: 'Action Required', evidence: step.message };
  return { name: 'TestEventsFiltered', meaning, status: 'Pass', evidence: step.message };
}

/** The measurements the regression gate compares with the baseline. */
export const TRACKED_METRICS: ReadonlyArray<{ checkId: string; metric: string; better: 'higher' | 'lower'; kind: 'throughput' | 'latency' }> = [
  { checkId: CHECK_ID.burstMaxRate, metric: BURST_METRIC.eventsPerSec, better: 'higher', kind: 'throughput' },
  { checkId: CHECK_ID.burstMaxRate, metric: BURST_METRIC.mbPerSec, better: 'higher', kind: 'throughput' },
  { checkId: CHECK_ID.burstMaxRate, metric: BURST_METRIC.ackP99, better: 'lower', kind: 'latency' },
  { checkId: CHECK_ID.roundTrip, metric: ROUND_TRIP_METRIC.e2eP50, better: 'lower', kind: 'latency' },
  { checkId: CHECK_ID.roundTrip, metric: ROUND_TRIP_METRIC.e2eP99, better: 'lower', kind: 'latency' },
];

export interface Tolerances {
  readonly throughputDropPct: number;
  readonly latencyRisePct: number;
  /** Latency rises smaller than this many ms never count, so tiny local numbers do not flap. */
  readonly latencyMinMs: number;
  readonly perfPolicy: 'fail' | 'warn';
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

export function compareWithBaseline(now: readonly ReportCheck[], baseline: ReadinessReport, baselineFile: string, tol: Tolerances): Comparison {
  const before = new Map(baseline.checks.map((c) => [c.id, c]));
  const newlyFailing: string[] = [];
  const recovered: string[] = [];
  const notCompared: NotCompared[] = [];
  const current = new Map(now.map((c) => [c.id, c]));
  for (const c of now) {
    const b = before.get(c.id);
    if (!b) {
      notCompared.push({ checkId: c.id, missingFrom: 'baseline', reason: 'not in the baseline (a check added since)', fails: false });
      continue;
    }
    if (b.status === 'Pass' && c.status === 'Action Required') newlyFailing.push(c.id);
    if (b.status === 'Action Required' && c.status === 'Pass') recovered.push(c.id);
  }
  for (const b of baseline.checks) {
    if (current.has(b.id)) continue;
    const passed = b.status === 'Pass';
    notCompared.push({
      checkId: b.id,
      missingFrom: 'now',
      reason: passed ? 'passed in the baseline and is missing now (a renamed or removed check id)' : `missing now (it was ${b.status} in the baseline)`,
      fails: passed,
    });
  }
  const metrics: MetricComparison[] = [];
  for (const t of TRACKED_METRICS) {
    const b = before.get(t.checkId);
    const c = current.get(t.checkId);
    const bv = Number(b?.measured[t.metric]);
    const nv = Number(c?.measured[t.metric]);
    const gap = (missingFrom: NotCompared['missingFrom'], reason: string, fails: boolean) =>
      notCompared.push({ checkId: t.checkId, metric: t.metric, missingFrom, reason, fails });
    if (!b || b.status !== 'Pass') {
      gap('baseline', b ? `the check was ${b.status} in the baseline` : 'the check is not in the baseline', false);
      continue;
    }
    if (!Number.isFinite(bv) || bv <= 0) {
      gap('baseline', 'the baseline has no value for it', false);
      continue;
    }
    if (!c || c.status !== 'Pass') {
      // The check's own verdict (or its reason for not running, e.g. light mode) speaks for it.
      gap('now', c ? `the check is ${c.status} now${c.reason ? `: ${c.reason}` : ''}` : 'the check is missing now', false);
      continue;
    }
    if (!Number.isFinite(nv)) {
      gap('now', 'the check passed but did not measure it (a renamed or removed metric)', true);
      continue;
    }
    const tolerancePct = t.kind === 'throughput' ? tol.throughputDropPct : tol.latencyRisePct;
    const { changePct, worse: regressed } = judgeChange(bv, nv, { better: t.better, tolerancePct, minRise: tol.latencyMinMs });
    metrics.push({ checkId: t.checkId, metric: t.metric, baseline: bv, now: nv, changePct, tolerancePct, regressed });
  }
  return { baselineFile, baselineGeneratedAt: baseline.generatedAt, newlyFailing, recovered, metrics, notCompared, perfPolicy: tol.perfPolicy };
}

/** Checks that passed in the baseline and are missing now: as much a regression as failing. */
export function missingChecks(c: Comparison): NotCompared[] {
  return (c.notCompared ?? []).filter((n) => n.fails && n.metric === undefined);
}

/** Tracked metrics a passing check no longer measures. */
export function missingMetrics(c: Comparison): NotCompared[] {
  return (c.notCompared ?? []).filter((n) => n.fails && n.metric !== undefined);
}

/** Whether the comparison alone fails the gate. */
export function comparisonFails(c: Comparison | undefined): boolean {
  if (!c) return false;
  const perf = c.metrics.some((m) => m.regressed) || missingMetrics(c).length > 0;
  return c.newlyFailing.length > 0 || missingChecks(c).length > 0 || (c.perfPolicy === 'fail' && perf);
}
