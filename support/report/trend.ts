// Night-over-night trends: earlier reports from READINESS_HISTORY_DIR, one point per run, and the slow-drift check.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Env, Settings } from '../inputs/settings.js';
import { judgeChange } from '../core/change.js';
import { parseReport, type ReadinessReport } from './model.js';
import { TREND_METRICS, type TrendFinding, type TrendMetric, type TrendMetricKey, type TrendPoint, type TrendReport } from './trend-model.js';

export { TREND_METRICS, type TrendFinding, type TrendMetric, type TrendMetricKey, type TrendPoint, type TrendReport } from './trend-model.js';

/** One run as a point on the trend charts; a check that did not run gives no value. */
export function trendPoint(report: Pick<ReadinessReport, 'generatedAt' | 'verdict' | 'checks'>, source: string): TrendPoint {
  const values: Partial<Record<TrendMetricKey, number>> = {};
  for (const metric of TREND_METRICS) {
    const check = report.checks.find((c) => c.id === metric.checkId);
    if (!check || check.status === 'Not Run') continue;
    const v = metric.pick(check.measured);
    if (v !== undefined && Number.isFinite(v)) values[metric.key] = v;
  }
  return { generatedAt: report.generatedAt, verdict: report.verdict, source, values };
}

/** readiness*.json files in the directory and its direct subdirectories (one per downloaded artifact), any name. */
function reportFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith('.json')) out.push(path);
    else if (entry.isDirectory()) {
      for (const inner of readdirSync(path, { withFileTypes: true })) if (inner.isFile() && inner.name.endsWith('.json')) out.push(join(path, inner.name));
    }
  }
  return out;
}

export interface LoadedHistory {
  readonly dir?: string;
  readonly note: string;
  readonly points: TrendPoint[];
  readonly skipped: string[];
}

/** READINESS_HISTORY_DIR: earlier reports, the newest READINESS_HISTORY_RUNS of them, oldest first. */
export function loadHistory(env: Env, cwd: string, runs: number): LoadedHistory {
  const raw = env.READINESS_HISTORY_DIR?.trim();
  if (!raw) return { note: 'no history: READINESS_HISTORY_DIR is not set, so no trends are drawn', points: [], skipped: [] };
  const dir = resolve(cwd, raw);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { dir, note: `no history yet at ${dir} (first run?)`, points: [], skipped: [] };
  const points: TrendPoint[] = [];
  const skipped: string[] = [];
  for (const file of reportFiles(dir)) {
    try {
      const report = parseReport(readFileSync(file, 'utf8'), file, 'READINESS_HISTORY_DIR');
      points.push(trendPoint(report, relative(dir, file)));
    } catch (error) {
      skipped.push((error as Error).message);
    }
  }
  points.sort((a, b) => a.generatedAt.localeCompare(b.generatedAt));
  const kept = points.slice(-runs);
  const skippedNote = skipped.length ? `; ${skipped.length} file(s) skipped as not readiness reports` : '';
  return { dir, note: `${kept.length} earlier run(s) from ${dir}${skippedNote}`, points: kept, skipped };
}

export interface TrendRules {
  readonly minRuns: number;
  readonly tolerancePct: number;
  readonly latencyMinMs: number;
}

/**
 * A drift: the metric got worse than the run before in each of the last `minRuns` runs (this one included), and
 * the change over that stretch is beyond the tolerance. Each night may stay inside the regression tolerance
 * against the night before and still add up to this.
 */
export function findTrends(points: readonly TrendPoint[], rules: TrendRules): TrendFinding[] {
  const findings: TrendFinding[] = [];
  for (const metric of TREND_METRICS as readonly TrendMetric[]) {
    if (metric.kind === 'calendar') continue;
    const key = metric.key as TrendMetricKey;
    // This run must have the value: a drift that stopped (or a check that did not run now) is not reported.
    if (points[points.length - 1]?.values[key] === undefined) continue;
    const series = points.map((p) => p.values[key]).filter((v): v is number => v !== undefined);
    const window = series.slice(-(rules.minRuns + 1));
    if (window.length < rules.minRuns + 1) continue;
    const worse = (a: number, b: number) => (metric.better === 'higher' ? b < a : b > a);
    if (!window.every((v, i) => i === 0 || worse(window[i - 1] as number, v))) continue;
    const from = window[0] as number;
    const to = window[window.length - 1] as number;
    const { changePct, worse: beyond } = judgeChange(from, to, {
      better: metric.better,
      tolerancePct: rules.tolerancePct,
      minRise: metric.kind === 'latency' ? rules.latencyMinMs : undefined,
    });
    if (!beyond) continue;
    const shownPct = Number.isFinite(changePct) ? `${changePct > 0 ? '+' : ''}${changePct}%` : `from 0`;
    findings.push({
      metric: key,
      title: metric.title,
      values: window,
      changePct: Number.isFinite(changePct) ? changePct : 100000,
      tolerancePct: rules.tolerancePct,
      message: `${metric.title} got ${metric.better === 'higher' ? 'lower' : 'higher'} in each of the last ${rules.minRuns} runs: ${window.join(' -> ')} (${shownPct}, tolerance ${rules.tolerancePct}% in total)`,
    });
  }
  return findings;
}

/** The history, this run's point, the drifts found and the certificate warning; undefined without a history setting. */
export function buildTrend(env: Env, cwd: string, settings: Settings, current: TrendPoint): TrendReport | undefined {
  const history = loadHistory(env, cwd, settings.HISTORY_RUNS);
  if (!history.dir) return undefined;
  const points = [...history.points, current];
  const findings = findTrends(points, {
    minRuns: settings.TREND_MIN_RUNS,
    tolerancePct: settings.TREND_TOLERANCE_PCT,
    latencyMinMs: settings.REGRESSION_LATENCY_MIN_MS,
  });
  const days = current.values.certDaysToExpiry;
  const certificate =
    days !== undefined && days < settings.TLS_CERT_WARN_DAYS
      ? `the certificate expires in ${days} days (warning under READINESS_TLS_CERT_WARN_DAYS=${settings.TLS_CERT_WARN_DAYS})`
      : undefined;
  return {
    historyDir: history.dir,
    note: history.note,
    points,
    findings,
    certificate,
    policy: settings.TREND_POLICY,
    minRuns: settings.TREND_MIN_RUNS,
    tolerancePct: settings.TREND_TOLERANCE_PCT,
    skipped: history.skipped,
  };
}

/** What the trend check warns about (or fails on, with READINESS_TREND_POLICY=fail). */
export function trendWarnings(t: TrendReport | undefined): string[] {
  if (!t) return [];
  return [...t.findings.map((f) => f.message), ...(t.certificate ? [t.certificate] : [])];
}

export function trendFails(t: TrendReport | undefined): boolean {
  return t?.policy === 'fail' && trendWarnings(t).length > 0;
}

/** "▁▂▄█" for a series, for Markdown (GitHub job summaries render Unicode but no images from data). */
export function sparkline(values: readonly (number | undefined)[]): string {
  const ticks = '▁▂▃▄▅▆▇█';
  const xs = values.filter((v): v is number => v !== undefined);
  if (xs.length === 0) return '';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return values.map((v) => (v === undefined ? ' ' : ticks[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (ticks.length - 1))])).join('');
}
