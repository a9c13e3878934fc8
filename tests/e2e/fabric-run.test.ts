// Runs `vitest run --project fabric` the way a pipeline does, against the local broker and against dead endpoints.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { ReadinessReport } from '../../support/report/model.js';
import { QUICK_PIPELINE } from '../../support/dev/quick.js';
import { runSuite } from '../../support/dev/run-suite.js';

const broker = inject('selfBroker');
/** The healthy run's readiness.json, the baseline for the regression tests. */
let healthyReport = '';

describe('the fabric profile run as a pipeline runs it', () => {
  test('passes against a healthy endpoint, exit code 0, every check a named testcase', async () => {
    const summaryDir = mkdtempSync(join(tmpdir(), 'readiness-summary-'));
    const summary = join(summaryDir, 'step-summary.md');
    const run = await runSuite({ project: 'fabric', envFile: broker.env, env: { ...QUICK_PIPELINE, GITHUB_STEP_SUMMARY: summary }, timeoutMs: 90000 });
    const stepSummary = readFileSync(summary, 'utf8');
    rmSync(summaryDir, { recursive: true, force: true });
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(stepSummary).toContain('# Eventstream readiness: ✅ PASS');
    expect(stepSummary.includes(broker.connectionString), 'a secret was printed or reported').toBe(false);
    expect(run.cases.length).toBeGreaterThanOrEqual(25);
    // Without a baseline the regression and monitoring checks are skipped with their reason, nothing else.
    expect(run.cases.filter((c) => c.status === 'fail')).toEqual([]);
    expect(run.cases.filter((c) => c.status === 'skip').map((c) => c.name)).toEqual([
      expect.stringContaining('MonitoringDefined'),
      expect.stringContaining('no check that passed'),
      expect.stringContaining('throughput and latency'),
      expect.stringContaining('Trend:'),
      expect.stringContaining('Assessment'),
    ]);
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
    ]);
    expect(run.readiness?.checks.find((c) => c.id === 'burst.max-rate')?.measured['events/s']).toBeGreaterThan(0);
    expect(run.readinessMd).toContain('# Eventstream readiness: ✅ PASS');
    healthyReport = JSON.stringify(run.readiness);
  });
});

describe("the regression gate, given the previous run's readiness.json", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'readiness-baseline-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const baselineFile = (report: string) => {
    const file = join(dir, `baseline-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, report);
    return file;
  };

  test('passes when nothing regressed, and marks MonitoringDefined Pass', async () => {
    expect(healthyReport, 'the healthy run must run first').not.toBe('');
    const run = await runSuite({
      project: 'fabric',
      envFile: broker.env,
      env: { ...QUICK_PIPELINE, READINESS_BASELINE: baselineFile(healthyReport), READINESS_PERF_REGRESSION: 'warn' },
      timeoutMs: 90000,
    });
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(run.readiness?.comparison?.newlyFailing).toEqual([]);
    expect(run.readiness?.readiness.find((r) => r.name === 'MonitoringDefined')?.status).toBe('Pass');
    expect(run.readinessMd).toContain('No check that passed before fails now');
  });

  test('fails when a check that passed before fails now, naming it', async () => {
    const wrong = broker.connectionString.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${randomBytes(32).toString('base64')}`);
    const run = await runSuite({
      project: 'fabric',
      envFile: { ...broker.env, FABRIC_KAFKA_PASSWORD: wrong },
      env: { ...QUICK_PIPELINE, READINESS_BASELINE: baselineFile(healthyReport) },
      timeoutMs: 60000,
    });
    expect(run.code).not.toBe(0);
    const gate = run.cases.find((c) => c.name.includes('no check that passed'));
    expect(gate?.status).toBe('fail');
    expect(gate?.failureMessage).toContain('connectivity.sasl');
    expect(run.readiness?.comparison?.newlyFailing).toContain('connectivity.sasl');
    expect(run.allOutput.includes(wrong), 'a secret was printed or reported').toBe(false);
  });

  test('flags throughput worse than the baseline beyond tolerance, failing or warning by policy', async () => {
    const inflated = JSON.parse(healthyReport) as ReadinessReport;
    const burst = inflated.checks.find((c) => c.id === 'burst.max-rate') as { measured: Record<string, number> };
    burst.measured['events/s'] = (burst.measured['events/s'] ?? 0) * 100;
    const file = baselineFile(JSON.stringify(inflated));
    const failing = await runSuite({ project: 'fabric', envFile: broker.env, env: { ...QUICK_PIPELINE, READINESS_BASELINE: file }, timeoutMs: 90000 });
    expect(failing.code).not.toBe(0);
    expect(failing.cases.find((c) => c.name.includes('throughput and latency'))?.failureMessage).toMatch(/burst.max-rate events\/s .* tolerance 30%/);
    const warning = await runSuite({
      project: 'fabric',
      envFile: broker.env,
      env: { ...QUICK_PIPELINE, READINESS_BASELINE: file, READINESS_PERF_REGRESSION: 'warn' },
      timeoutMs: 90000,
    });
    expect(warning.code, warning.stdout.slice(-2000)).toBe(0);
    expect(warning.readiness?.comparison?.metrics.find((m) => m.metric === 'events/s')?.regressed).toBe(true);
  });

  test('a malformed baseline fails MonitoringDefined with an error naming READINESS_BASELINE', async () => {
    const run = await runSuite({
      project: 'fabric',
      envFile: broker.env,
      env: { ...QUICK_PIPELINE, READINESS_BASELINE: baselineFile('{ not json') },
      timeoutMs: 90000,
    });
    expect(run.code).not.toBe(0);
    expect(run.cases.find((c) => c.name.includes('MonitoringDefined'))?.failureMessage).toMatch(/READINESS_BASELINE: .* is not JSON/);
  });
});
