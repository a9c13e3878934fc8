// Runs `vitest run --project fabric` the way a pipeline does, against the local broker, and the regression gate on
// baselines built from that one real report: each way the gate fails is proven end to end once; the rest of its
// judgement (compareWithBaseline, the rows, the Markdown) is called in-process on the real report. The gate's logic,
// case by case, is proven in tests/unit/report/report.test.ts.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { CHECK_ID, RETIRED_CHECK_ID } from '../../support/record/ids.js';
import { readSettings } from '../../support/inputs/settings.js';
import { loadBaseline } from '../../support/report/build.js';
import { compareWithBaseline, comparisonFails, missingChecks, TRACKED_METRICS, type Tolerances } from '../../support/report/gate.js';
import { parseBaseline, type ReadinessReport } from '../../support/report/model.js';
import { renderMarkdown } from '../../support/report/render.js';
import { QUICK_PIPELINE } from '../../support/dev/quick.js';
import {
  checkIdsOf,
  failuresOf,
  FULL_RUN_CHECK_IDS,
  NOT_RUN_ON_A_FIRST_RUN,
  PASSED_ON_A_FIRST_RUN,
  PROJECT_ROOT,
  runSuite,
  sharedRun,
} from '../../support/dev/run-suite.js';

const broker = inject('selfBroker');
const dir = mkdtempSync(join(tmpdir(), 'readiness-fabric-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const summaryFile = join(dir, 'step-summary.md');

/** The healthy run: its readiness.json is the real report every baseline below is built from. */
const healthyRun = sharedRun({ project: 'fabric', envFile: broker.env, env: { ...QUICK_PIPELINE, GITHUB_STEP_SUMMARY: summaryFile }, timeoutMs: 90000 });
async function healthyReport(): Promise<ReadinessReport> {
  const run = await healthyRun();
  expect(run.readiness, `the healthy run wrote no readiness.json: ${run.stderr.slice(-1500)}`).toBeDefined();
  return run.readiness as ReadinessReport;
}

const baselineFile = (report: unknown): string => {
  const file = join(dir, `baseline-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, typeof report === 'string' ? report : JSON.stringify(report));
  return file;
};
/** The tolerances a run reads from its settings (READINESS_REGRESSION_*, READINESS_PERF_REGRESSION), as buildReport does. */
function tolerancesOf(env: Record<string, string> = {}): Tolerances {
  const s = readSettings(env);
  return {
    throughputDropPct: s.REGRESSION_THROUGHPUT_DROP_PCT,
    latencyRisePct: s.REGRESSION_LATENCY_RISE_PCT,
    latencyMinMs: s.REGRESSION_LATENCY_MIN_MS,
    perfPolicy: s.PERF_REGRESSION,
  };
}
const wrongPassword = () => broker.connectionString.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${randomBytes(32).toString('base64')}`);
const tracked = TRACKED_METRICS.map((t) => `${t.checkId} ${t.metric}`).sort();
/** A baseline written by the suite before check ids were frozen as constants (schema 1, local profile). */
const BEFORE = join(PROJECT_ROOT, 'fixtures', 'baselines', 'readiness-v1-before-check-ids.json');

describe('the fabric profile run as a pipeline runs it', () => {
  test('passes against a healthy endpoint, exit code 0, every check a named testcase', async () => {
    const run = await healthyRun();
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    const stepSummary = readFileSync(summaryFile, 'utf8');
    expect(stepSummary).toContain('# Eventstream readiness: ✅ PASS');
    expect(stepSummary.includes(broker.connectionString), 'a secret was printed or reported').toBe(false);
    // Every check of a full run reported, each once; without a baseline the regression and monitoring checks are
    // skipped with their reason, nothing else.
    expect(checkIdsOf(run)).toEqual(FULL_RUN_CHECK_IDS);
    expect(run.cases.filter((c) => c.status === 'fail')).toEqual([]);
    expect(checkIdsOf(run, 'Not Run')).toEqual(NOT_RUN_ON_A_FIRST_RUN);
    expect(checkIdsOf(run, 'Pass')).toEqual(PASSED_ON_A_FIRST_RUN);
    const tls = run.cases.find((c) => c.name.includes('TLS:'));
    expect(tls?.properties.map((p) => p.name)).toContain('measured: days to expiry');
    expect(run.allOutput.includes(broker.connectionString), 'a secret was printed or reported').toBe(false);
    // The readiness report: every check, the notebook rows, a Markdown twin.
    expect(run.readiness?.verdict).toBe('pass');
    expect(run.readiness?.checks.length).toBe(run.cases.length);
    expect(run.readiness?.readiness.map((r) => [r.name, r.status])).toEqual([
      ['DnsResolved', 'Pass'],
      [`Tcp${broker.saslPort}Open`, 'Pass'],
      ['SecretsStored', 'Pass'],
      ['TopicPlanned', 'Pass'],
      ['MonitoringDefined', 'Action Required'],
      ['EventstreamRunning', 'Not Run'],
      ['TestEventsFiltered', 'Not Run'],
    ]);
    expect(run.readiness?.checks.find((c) => c.id === CHECK_ID.burstMaxRate)?.measured['events/s']).toBeGreaterThan(0);
    expect(run.readinessMd).toContain('# Eventstream readiness: ✅ PASS');
  });
});

describe("the regression gate, given the previous run's readiness.json, judged in-process on the healthy run's report", () => {
  test('a baseline written by this version: every tracked check and metric is compared, nothing regressed, nothing uncompared', async () => {
    const report = await healthyReport();
    const file = baselineFile(report);
    const loaded = loadBaseline({ READINESS_BASELINE: file }, dir);
    expect(loaded).toMatchObject({ used: true, file });
    const c = compareWithBaseline(report.checks, loaded.report as ReadinessReport, file, tolerancesOf());
    expect(c.metrics.map((m) => `${m.checkId} ${m.metric}`).sort()).toEqual(tracked);
    expect(c.metrics.filter((m) => m.regressed)).toEqual([]);
    expect(c.newlyFailing).toEqual([]);
    expect(c.notCompared).toEqual([]);
    expect(comparisonFails(c)).toBe(false);
    expect(renderMarkdown({ ...report, comparison: c })).toContain('No check that passed before fails now');
  });

  test('throughput worse than the baseline beyond tolerance regresses; READINESS_PERF_REGRESSION=warn keeps it from failing the gate', async () => {
    const report = await healthyReport();
    const inflated = structuredClone(report);
    const burst = inflated.checks.find((c) => c.id === CHECK_ID.burstMaxRate) as { measured: Record<string, number> };
    burst.measured['events/s'] = (burst.measured['events/s'] ?? 0) * 100;
    const failing = compareWithBaseline(report.checks, inflated, 'inflated.json', tolerancesOf());
    expect(failing.metrics.find((m) => m.metric === 'events/s')).toMatchObject({ regressed: true, tolerancePct: 30 });
    expect(comparisonFails(failing)).toBe(true);
    const warning = compareWithBaseline(report.checks, inflated, 'inflated.json', tolerancesOf({ READINESS_PERF_REGRESSION: 'warn' }));
    expect(warning.metrics.find((m) => m.metric === 'events/s')?.regressed).toBe(true);
    expect(comparisonFails(warning)).toBe(false);
  });

  test('a baseline written before the frozen check ids (schema 1) still gates: every tracked metric compared, none of its checks missing now', async () => {
    const report = await healthyReport();
    const before = parseBaseline(readFileSync(BEFORE, 'utf8'), BEFORE);
    expect(before.schemaVersion).toBe(1);
    const c = compareWithBaseline(report.checks, before, BEFORE, tolerancesOf({ READINESS_PERF_REGRESSION: 'warn' }));
    expect(c.metrics.map((m) => `${m.checkId} ${m.metric}`).sort()).toEqual(tracked);
    // Checks added since are listed, and none of the old ones is missing: the retired assessment is not compared, without failing.
    expect(c.notCompared?.filter((n) => n.missingFrom === 'now')).toEqual([expect.objectContaining({ checkId: RETIRED_CHECK_ID.assessment, fails: false })]);
    expect(c.notCompared?.map((n) => n.checkId)).toContain(CHECK_ID.envEntityPath);
  });

  test('a check that passed in the baseline and is missing now (a renamed id) fails the gate, naming it', async () => {
    const report = await healthyReport();
    const renamed = structuredClone(report);
    const smoke = renamed.checks.find((c) => c.id === CHECK_ID.smoke);
    if (smoke) (smoke as { id: string }).id = 'smoke.an-id-that-was-renamed';
    const c = compareWithBaseline(report.checks, renamed, 'renamed.json', tolerancesOf({ READINESS_PERF_REGRESSION: 'warn' }));
    expect(missingChecks(c).map((n) => n.checkId)).toEqual(['smoke.an-id-that-was-renamed']);
    expect(comparisonFails(c)).toBe(true);
  });
});

describe('the regression gate in a run', () => {
  test('a renamed check id and a throughput drop beyond tolerance: both regression checks fail, naming them; MonitoringDefined passes', async () => {
    const doctored = structuredClone(await healthyReport());
    const smoke = doctored.checks.find((c) => c.id === CHECK_ID.smoke);
    if (smoke) (smoke as { id: string }).id = 'smoke.an-id-that-was-renamed';
    const burst = doctored.checks.find((c) => c.id === CHECK_ID.burstMaxRate) as { measured: Record<string, number> };
    burst.measured['events/s'] = (burst.measured['events/s'] ?? 0) * 100;
    const run = await runSuite({
      project: 'fabric',
      envFile: broker.env,
      env: { ...QUICK_PIPELINE, READINESS_BASELINE: baselineFile(doctored) },
      timeoutMs: 90000,
    });
    expect(run.code).toBe(1);
    expect(run.cases.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual([
      expect.stringContaining('no check that passed'),
      expect.stringContaining('throughput and latency'),
    ]);
    const failureOf = (title: string) => run.cases.find((c) => c.name.includes(title))?.failureMessage;
    expect(failureOf('no check that passed')).toMatch(/passed in the previous run and are missing now: smoke\.an-id-that-was-renamed/);
    expect(failureOf('throughput and latency')).toMatch(/burst.max-rate events\/s .* tolerance 30%/);
    expect(run.readiness?.readiness.find((r) => r.name === 'MonitoringDefined')?.status).toBe('Pass');
    expect(run.readiness?.comparison?.metrics.map((m) => `${m.checkId} ${m.metric}`).sort()).toEqual(tracked);
  });

  test('a wrong password against a baseline from before the frozen check ids (schema 1): the gate fails naming connectivity.sasl', async () => {
    const wrong = wrongPassword();
    const run = await runSuite({
      project: 'fabric',
      envFile: { ...broker.env, FABRIC_KAFKA_PASSWORD: wrong },
      env: { ...QUICK_PIPELINE, READINESS_BASELINE: BEFORE },
      timeoutMs: 60000,
    });
    expect(run.code).not.toBe(0);
    const gate = run.cases.find((c) => c.name.includes('no check that passed'));
    expect(gate?.status).toBe('fail');
    expect(gate?.failureMessage).toContain(CHECK_ID.sasl);
    expect(run.readiness?.comparison?.newlyFailing).toContain(CHECK_ID.sasl);
    expect(run.readiness?.readiness.find((r) => r.name === 'MonitoringDefined')?.status).toBe('Pass');
    expect(run.allOutput.includes(wrong), 'a secret was printed or reported').toBe(false);
  });

  test('READINESS_PERF_REGRESSION=warn: a throughput drop beyond tolerance is a warning on the check, which passes', async () => {
    const inflated = structuredClone(await healthyReport());
    const burst = inflated.checks.find((c) => c.id === CHECK_ID.burstMaxRate) as { measured: Record<string, number> };
    burst.measured['events/s'] = (burst.measured['events/s'] ?? 0) * 100;
    // Only the max-rate burst and the performance gate run (-t): what the policy decides is the gate's testcase.
    const run = await runSuite({
      project: 'fabric',
      envFile: broker.env,
      env: { ...QUICK_PIPELINE, READINESS_BASELINE: baselineFile(inflated), READINESS_PERF_REGRESSION: 'warn' },
      extraArgs: ['-t', 'max-rate burst|throughput and latency'],
      timeoutMs: 60000,
    });
    expect(run.code, failuresOf(run)).toBe(0);
    expect(run.cases.filter((c) => c.status === 'pass').map((c) => c.name)).toEqual([
      expect.stringContaining('max-rate burst'),
      expect.stringContaining('throughput and latency'),
    ]);
    expect(run.readiness?.comparison?.metrics.find((m) => m.metric === 'events/s')?.regressed).toBe(true);
    expect(run.readiness?.checks.find((c) => c.id === CHECK_ID.regressionPerformance)?.warnings.join('\n')).toMatch(
      /READINESS_PERF_REGRESSION=warn.*burst.max-rate events\/s .* tolerance 30%/,
    );
  });

  test('a malformed baseline fails MonitoringDefined with an error naming READINESS_BASELINE', async () => {
    // Only that check runs (-t): the global setup and the check itself are what is proven; the parse is in report.test.ts.
    const run = await runSuite({
      project: 'fabric',
      envFile: broker.env,
      env: { ...QUICK_PIPELINE, READINESS_BASELINE: baselineFile('{ not json') },
      extraArgs: ['-t', 'MonitoringDefined'],
      timeoutMs: 60000,
    });
    expect(run.code).not.toBe(0);
    expect(run.cases.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual([expect.stringContaining('MonitoringDefined')]);
    expect(run.cases.find((c) => c.name.includes('MonitoringDefined'))?.failureMessage).toMatch(/READINESS_BASELINE: .* is not JSON/);
  });
});
