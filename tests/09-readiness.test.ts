// Readiness: the notebook's rollout rows, the regression gate against the previous run, and trends. (The "is Eventstream
// enough?" assessment informs in the report's own section, never as a check: support/report/assessment.ts.)
import { CHECK_ID } from '../support/record/ids.js';
import { describe, inject, test } from 'vitest';
import { checkFailure, notRun, record } from '../support/checks/verdict.js';
import { buildReport, loadBaseline } from '../support/report/build.js';
import { readJournal } from '../support/checks/journal.js';
import { monitoringDestinations, readMonitoringSettings } from '../support/inputs/monitoring.js';
import { missingChecks, missingMetrics } from '../support/report/gate.js';
import { loadHistory, trendFails, trendWarnings } from '../support/report/trend.js';

/** The readiness checks of this file, judged while the run still goes on: not expected in the journal yet. */
const isThisFile = (check: { readonly file: string }) => check.file.includes('09-readiness');

// Runs last (files run in name order): the journal holds every check finished before it.
function currentReport() {
  return buildReport({
    profile: inject('profile'),
    runEnv: inject('runEnv'),
    settings: inject('inputs').settings,
    endpoint: inject('inputs').endpoint.parts,
    preflight: inject('preflight'),
    preflightSkipped: inject('preflightSkipped'),
    controlPlane: inject('controlPlane'),
    secrets: inject('secrets'),
    entries: readJournal(inject('journalFile')).filter((e) => !isThisFile(e)),
    cwd: process.cwd(),
    stillRunning: isThisFile,
  });
}

describe('Readiness', () => {
  test('SecretsStored: the connection string is kept out of git and away from other users', { meta: { checkId: CHECK_ID.secretsStored } }, async (ctx) => {
    // Judged once in globalSetup, where it is known which file (if any) the connection string came from.
    const secrets = inject('secrets');
    await record(ctx, { measured: { evidence: secrets.evidence }, thresholds: {}, warnings: [] });
    if (secrets.status !== 'Pass') {
      throw checkFailure({
        what: `SecretsStored: ${secrets.evidence}`,
        cause: 'the connection string is stored where others can read it',
        hint: 'keep it in a CI secret or an untracked .env with mode 600, and rotate a key that was ever committed',
      });
    }
  });

  test('MonitoringDefined: this run is compared with the previous run (READINESS_BASELINE)', { meta: { checkId: CHECK_ID.monitoringDefined } }, async (ctx) => {
    const baseline = loadBaseline(inject('runEnv'), process.cwd());
    // Like the readiness row: a run whose figures are pushed where alert rules watch them is monitored too.
    const pushedTo = monitoringDestinations(readMonitoringSettings(process.env).settings);
    if (!baseline.used && !baseline.error && pushedTo.length === 0) return notRun(ctx, `not run: ${baseline.note}`);
    const measured = { baseline: baseline.note, ...(pushedTo.length > 0 ? { 'pushed to': pushedTo.join(', ') } : {}) };
    await record(ctx, { measured, thresholds: {}, warnings: [] });
    if (baseline.error)
      throw checkFailure({
        what: baseline.error,
        cause: 'the baseline file is not a readiness report this version can read',
        hint: "point READINESS_BASELINE at the previous run's reports/readiness.json, or unset it",
      });
  });

  test('Regression: no check that passed in the previous run fails now', { meta: { checkId: CHECK_ID.regressionChecks } }, async (ctx) => {
    const report = currentReport();
    if (!report.comparison) return notRun(ctx, `not run: ${report.baseline.note}`);
    const c = report.comparison;
    const missing = missingChecks(c).map((n) => n.checkId);
    await record(ctx, {
      measured: {
        'newly failing': c.newlyFailing.join(', ') || 'none',
        'passed before, missing now': missing.join(', ') || 'none',
        recovered: c.recovered.join(', ') || 'none',
        baseline: `${c.baselineFile} (${c.baselineGeneratedAt})`,
      },
      thresholds: { 'newly failing': 0, 'passed before, missing now': 0 },
      warnings: [],
    });
    if (c.newlyFailing.length > 0 || missing.length > 0) {
      throw checkFailure({
        what: [
          c.newlyFailing.length ? `${c.newlyFailing.length} check(s) passed in the previous run and fail now: ${c.newlyFailing.join(', ')}` : '',
          missing.length ? `${missing.length} check(s) passed in the previous run and are missing now: ${missing.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; '),
        measured: { 'newly failing': c.newlyFailing.length, 'passed before, missing now': missing.length },
        thresholds: { 'newly failing': 0, 'passed before, missing now': 0 },
        cause: c.newlyFailing.length
          ? 'the endpoint or the path to it regressed since the baseline run'
          : 'a check id changed or a check was removed, so the gate could not compare it',
        hint: c.newlyFailing.length
          ? "see those checks' own failures for the diagnosis"
          : 'check ids are frozen in support/record/ids.ts; a baseline from before the change no longer covers them',
      });
    }
  });

  test('Regression: throughput and latency within tolerance of the previous run', { meta: { checkId: CHECK_ID.regressionPerformance } }, async (ctx) => {
    const report = currentReport();
    if (!report.comparison) return notRun(ctx, `not run: ${report.baseline.note}`);
    const c = report.comparison;
    const regressed = c.metrics.filter((m) => m.regressed);
    const unmeasured = missingMetrics(c);
    const measured = {
      ...Object.fromEntries(c.metrics.map((m) => [`${m.checkId} ${m.metric}`, `${m.baseline} -> ${m.now} (${m.changePct > 0 ? '+' : ''}${m.changePct}%)`])),
      // Never skipped in silence: what could not be compared says why.
      ...Object.fromEntries((c.notCompared ?? []).filter((n) => n.metric).map((n) => [`${n.checkId} ${n.metric}`, `not compared: ${n.reason}`])),
    };
    const thresholds = Object.fromEntries(c.metrics.map((m) => [`${m.checkId} ${m.metric} tolerance %`, m.tolerancePct]));
    const problems = [
      ...regressed.map(
        (m) => `${m.checkId} ${m.metric} ${m.baseline} -> ${m.now} (${m.changePct > 0 ? '+' : ''}${m.changePct}%, tolerance ${m.tolerancePct}%)`,
      ),
      ...unmeasured.map((n) => `${n.checkId} ${n.metric}: ${n.reason}`),
    ];
    const warnings = problems.length && c.perfPolicy === 'warn' ? [`regressed or not measured (READINESS_PERF_REGRESSION=warn): ${problems.join('; ')}`] : [];
    await record(ctx, { measured, thresholds, warnings });
    if (problems.length > 0 && c.perfPolicy === 'fail') {
      throw checkFailure({
        what: `worse than the previous run beyond tolerance, or no longer measured: ${problems.join('; ')}`,
        cause: 'the endpoint got slower or is throttling more (throughput level, competing load, network path)',
        hint: 'compare the burst and round-trip measurements; tolerances are READINESS_REGRESSION_*; READINESS_PERF_REGRESSION=warn reports without failing',
      });
    }
  });

  test(
    'Trend: no metric got worse run after run beyond tolerance over the history (READINESS_HISTORY_DIR), certificate not near expiry',
    { meta: { checkId: CHECK_ID.trend } },
    async (ctx) => {
      const report = currentReport();
      const t = report.trend;
      if (!t) return notRun(ctx, `not run: ${loadHistory(inject('runEnv'), process.cwd(), 1).note}`);
      const warnings = trendWarnings(t);
      await record(ctx, {
        measured: { 'runs compared': t.points.length, 'drifting metrics': t.findings.map((f) => f.title).join(', ') || 'none', history: t.note },
        thresholds: { 'consecutive worse runs': t.minRuns, 'total change %': t.tolerancePct, policy: t.policy },
        warnings,
      });
      if (trendFails(t)) {
        throw checkFailure({
          what: `trend over the last ${t.points.length} run(s): ${warnings.join('; ')}`,
          cause: 'the endpoint is slowly getting worse (or its certificate is due for renewal), each night within the regression tolerance',
          hint: 'see the trend charts in readiness.html; READINESS_TREND_* tune it; READINESS_TREND_POLICY=warn reports without failing',
        });
      }
    },
  );
});
