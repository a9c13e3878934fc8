// The regression gate: this run against the previous one (READINESS_BASELINE), check by check and metric by metric.
import { BURST_METRIC, CHECK_ID, isRetiredCheckId, ROUND_TRIP_METRIC } from '../record/ids.js';
import { judgeChange } from '../core/change.js';
import { type Comparison, type MetricComparison, type NotCompared, type ReadinessReport, type ReportCheck } from './model.js';

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

/** Check by check: which passed before and fail now, which recovered, which are missing on either side. */
function compareChecks(now: readonly ReportCheck[], baseline: ReadinessReport) {
  const before = new Map(baseline.checks.map((c) => [c.id, c]));
  const current = new Map(now.map((c) => [c.id, c]));
  const newlyFailing: string[] = [];
  const recovered: string[] = [];
  const notCompared: NotCompared[] = [];
  for (const c of now) {
    const b = before.get(c.id);
    if (!b) notCompared.push({ checkId: c.id, missingFrom: 'baseline', reason: 'not in the baseline (a check added since)', fails: false });
    else if (b.status === 'Pass' && c.status === 'Action Required') newlyFailing.push(c.id);
    else if (b.status === 'Action Required' && c.status === 'Pass') recovered.push(c.id);
  }
  for (const b of baseline.checks) {
    if (current.has(b.id)) continue;
    if (isRetiredCheckId(b.id)) {
      notCompared.push({ checkId: b.id, missingFrom: 'now', reason: 'no longer a check (retired; see CHANGELOG.md)', fails: false });
      continue;
    }
    const passed = b.status === 'Pass';
    notCompared.push({
      checkId: b.id,
      missingFrom: 'now',
      reason: passed ? 'passed in the baseline and is missing now (a renamed or removed check id)' : `missing now (it was ${b.status} in the baseline)`,
      fails: passed,
    });
  }
  return { before, current, newlyFailing, recovered, notCompared };
}

type TrackedMetric = (typeof TRACKED_METRICS)[number];

/** Why one tracked metric cannot be compared, or undefined when both runs measured it. */
function metricGap(t: TrackedMetric, b: ReportCheck | undefined, c: ReportCheck | undefined): Omit<NotCompared, 'checkId' | 'metric'> | undefined {
  if (!b || b.status !== 'Pass')
    return { missingFrom: 'baseline', reason: b ? `the check was ${b.status} in the baseline` : 'the check is not in the baseline', fails: false };
  const bv = Number(b.measured[t.metric]);
  if (!Number.isFinite(bv) || bv <= 0) return { missingFrom: 'baseline', reason: 'the baseline has no value for it', fails: false };
  // The check's own verdict (or its reason for not running, e.g. light mode) speaks for it.
  if (!c || c.status !== 'Pass')
    return { missingFrom: 'now', reason: c ? `the check is ${c.status} now${c.reason ? `: ${c.reason}` : ''}` : 'the check is missing now', fails: false };
  if (!Number.isFinite(Number(c.measured[t.metric])))
    return { missingFrom: 'now', reason: 'the check passed but did not measure it (a renamed or removed metric)', fails: true };
  return undefined;
}

export function compareWithBaseline(now: readonly ReportCheck[], baseline: ReadinessReport, baselineFile: string, tol: Tolerances): Comparison {
  const { before, current, newlyFailing, recovered, notCompared } = compareChecks(now, baseline);
  const metrics: MetricComparison[] = [];
  for (const t of TRACKED_METRICS) {
    const b = before.get(t.checkId);
    const c = current.get(t.checkId);
    const gap = metricGap(t, b, c);
    if (gap) {
      notCompared.push({ checkId: t.checkId, metric: t.metric, ...gap });
      continue;
    }
    const bv = Number(b?.measured[t.metric]);
    const nv = Number(c?.measured[t.metric]);
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
