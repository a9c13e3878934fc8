import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, test } from 'vitest';
import { assess, parseWorkloadProfile } from '../../../support/report/assessment.js';
import { compareWithBaseline, comparisonFails } from '../../../support/report/gate.js';
import { parseBaseline, REPORT_SCHEMA, type ReadinessReport, type ReportCheck } from '../../../support/report/model.js';
import { readinessRows } from '../../../support/report/rows.js';
import { renderMarkdown } from '../../../support/report/render.js';
import { renderHtml } from '../../../support/report/html.js';
import { reportFixture } from '../../../support/dev/report-fixture.js';
import { judgeSecretStorage } from '../../../support/inputs/secrets.js';
import type { Preflight } from '../../../support/preflight/stages.js';

const check = (id: string, status: ReportCheck['status'], measured: ReportCheck['measured'] = {}): ReportCheck => ({
  id,
  name: id,
  file: 'f',
  status,
  measured,
  thresholds: {},
  warnings: [],
});
const baseline = (checks: ReportCheck[]) =>
  ({ schema: REPORT_SCHEMA, schemaVersion: 1, generatedAt: '2026-01-01T00:00:00Z', profile: 'fabric', checks }) as unknown as ReadinessReport;
const tol = { throughputDropPct: 30, latencyRisePct: 50, latencyMinMs: 20, perfPolicy: 'fail' as const };

describe('compareWithBaseline', () => {
  test('a check that passed before and fails now is a regression; one that recovered is listed apart', () => {
    const c = compareWithBaseline(
      [check('a', 'Action Required'), check('b', 'Pass'), check('c', 'Not Run')],
      baseline([check('a', 'Pass'), check('b', 'Action Required'), check('c', 'Pass')]),
      'base.json',
      tol,
    );
    expect(c.newlyFailing).toEqual(['a']);
    expect(c.recovered).toEqual(['b']);
    expect(comparisonFails(c)).toBe(true);
  });
  test('throughput down more than the tolerance regresses; within it does not', () => {
    const before = baseline([check('burst.max-rate', 'Pass', { 'events/s': 1000 })]);
    expect(compareWithBaseline([check('burst.max-rate', 'Pass', { 'events/s': 650 })], before, 'b', tol).metrics[0]).toMatchObject({
      changePct: -35,
      regressed: true,
    });
    expect(compareWithBaseline([check('burst.max-rate', 'Pass', { 'events/s': 750 })], before, 'b', tol).metrics[0]?.regressed).toBe(false);
  });
  test('a latency rise counts only beyond both the % tolerance and the absolute floor', () => {
    const before = baseline([check('round-trip', 'Pass', { 'e2e p99 ms': 10 })]);
    expect(
      compareWithBaseline([check('round-trip', 'Pass', { 'e2e p99 ms': 25 })], before, 'b', tol).metrics.find((m) => m.metric === 'e2e p99 ms')?.regressed,
    ).toBe(false);
    expect(
      compareWithBaseline([check('round-trip', 'Pass', { 'e2e p99 ms': 40 })], before, 'b', tol).metrics.find((m) => m.metric === 'e2e p99 ms')?.regressed,
    ).toBe(true);
  });
  test('with the warn policy a performance regression does not fail the comparison', () => {
    const c = compareWithBaseline(
      [check('burst.max-rate', 'Pass', { 'events/s': 10 })],
      baseline([check('burst.max-rate', 'Pass', { 'events/s': 1000 })]),
      'b',
      { ...tol, perfPolicy: 'warn' },
    );
    expect(c.metrics[0]?.regressed).toBe(true);
    expect(comparisonFails(c)).toBe(false);
  });
  test('parseBaseline names the variable and what is wrong', () => {
    expect(() => parseBaseline('{', 'x.json')).toThrow(/READINESS_BASELINE: x.json is not JSON/);
    expect(() => parseBaseline('{"checks": []}', 'x.json')).toThrow(/not a readiness report/);
    expect(() => parseBaseline(JSON.stringify({ schema: REPORT_SCHEMA, schemaVersion: 99, checks: [] }), 'x.json')).toThrow(/schemaVersion 99/);
  });
});

describe('readinessRows', () => {
  const stage = (name: string, status: 'pass' | 'fail' | 'not-run', measured = {}) => ({
    stage: name,
    status,
    message: `${name} ${status}`,
    measured,
    thresholds: {},
    warnings: [],
    durationMs: 1,
  });
  const preflight = (topics: 'pass' | 'fail') =>
    ({
      endpoint: 'h:9093',
      ok: topics === 'pass',
      stages: [stage('dns', 'pass'), stage('tcp', 'pass'), stage('topics', topics, { 'telemetry partitions': 3, 'orders partitions': 2 })],
    }) as unknown as Preflight;
  const inputs = {
    preflightSkipped: '',
    port: 9093,
    secrets: { status: 'Pass' as const, evidence: 'env' },
    topics: { telemetry: 't', orders: 'o' },
    baseline: { used: false, note: 'no baseline' },
  };
  test('carries the notebook names, Tcp named for the port', () => {
    expect(readinessRows({ ...inputs, preflight: preflight('pass') }).map((r) => r.name)).toEqual([
      'DnsResolved',
      'Tcp9093Open',
      'SecretsStored',
      'TopicPlanned',
      'MonitoringDefined',
      'EventstreamRunning',
      'TestEventsFiltered',
    ]);
    expect(readinessRows({ ...inputs, port: 443, preflight: preflight('pass') })[1]?.name).toBe('Tcp443Open');
  });
  test('TopicPlanned fails when a configured topic does not exist; passes with partition counts', () => {
    expect(readinessRows({ ...inputs, preflight: preflight('fail') }).find((r) => r.name === 'TopicPlanned')?.status).toBe('Action Required');
    expect(readinessRows({ ...inputs, preflight: preflight('pass') }).find((r) => r.name === 'TopicPlanned')?.evidence).toContain('3 partition(s)');
  });
  test('MonitoringDefined needs a baseline; every row is Not Run without a preflight', () => {
    expect(readinessRows({ ...inputs, preflight: preflight('pass') }).find((r) => r.name === 'MonitoringDefined')?.status).toBe('Action Required');
    expect(
      readinessRows({ ...inputs, preflight: preflight('pass'), baseline: { used: true, note: 'b' } }).find((r) => r.name === 'MonitoringDefined')?.status,
    ).toBe('Pass');
    expect(readinessRows({ ...inputs, preflight: null, preflightSkipped: 'bad config' })[0]).toMatchObject({
      status: 'Not Run',
      evidence: 'not run: bad config',
    });
  });
});

describe('assessment', () => {
  const yes = {
    moderate_throughput: true,
    stable_contracts: true,
    fabric_main_destination: true,
    analytics_goal: true,
    fast_time_to_value: true,
    strict_replay: false,
    many_consumer_decoupling: false,
    protocol_mediation: false,
    integration_first: false,
  };
  test('all for and none against: enough', () => {
    expect(assess({ criteria: yes, tradeoffs: {} }, 'f').verdict).toBe('enough');
  });
  test('two against: not enough', () => {
    expect(assess({ criteria: { ...yes, strict_replay: true, protocol_mediation: true }, tradeoffs: {} }, 'f')).toMatchObject({
      verdict: 'not-enough',
      against: 2,
    });
  });
  test('mostly unanswered: undecided, and the open questions are listed', () => {
    const a = assess({ criteria: { moderate_throughput: true }, tradeoffs: {} }, 'f');
    expect(a.verdict).toBe('undecided');
    expect(a.unanswered.length).toBe(8 + 6);
  });
  test('a measured burst answers "burst handling" when the team left it open', () => {
    const a = assess({ criteria: yes, tradeoffs: {} }, 'f', { burst: 'measured: burst absorbed' });
    expect(a.tradeoffs.find((t) => t.key === 'burst_handling')).toMatchObject({ source: 'measured', answer: 'measured: burst absorbed' });
  });
  test.each([
    ['criteria:\n  moderate_throughput: maybe\n', /criteria.moderate_throughput: expected true, false, or empty/],
    ['criteria:\n  cheap: true\n', /criteria.cheap: expected one of moderate_throughput/],
    ['nonsense: 1\n', /nonsense: expected only "criteria" and "tradeoffs"/],
    ['tradeoffs:\n  governance: [1, 2]\n', /tradeoffs.governance: expected a text answer/],
    ['criteria: [\n', /is not valid YAML/],
  ])('a malformed profile gets an error naming the field: %s', (text, pattern) => {
    expect(() => parseWorkloadProfile(text, 'w.yaml')).toThrow(pattern);
  });
});

describe('judgeSecretStorage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'readiness-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  test('an owner-only untracked file passes; a group-readable one does not', () => {
    const file = join(dir, '.env');
    writeFileSync(file, 'x', { mode: 0o600 });
    chmodSync(file, 0o600);
    expect(judgeSecretStorage({ kind: 'file', file }).status).toBe('Pass');
    chmodSync(file, 0o644);
    expect(judgeSecretStorage({ kind: 'file', file })).toMatchObject({ status: 'Action Required' });
  });
  test('a file tracked by git needs action even with mode 600', () => {
    spawnSync('git', ['init', '-q'], { cwd: dir });
    const file = join(dir, '.env.prod');
    writeFileSync(file, 'x', { mode: 0o600 });
    spawnSync('git', ['add', '.env.prod'], { cwd: dir });
    expect(judgeSecretStorage({ kind: 'file', file }).evidence).toContain('tracked by git');
  });
  test('missing is action required; environment and generated pass', () => {
    expect(judgeSecretStorage({ kind: 'missing' }).status).toBe('Action Required');
    expect(judgeSecretStorage({ kind: 'environment' }).status).toBe('Pass');
  });
});

test('renderMarkdown shows the verdict, the rows and every check', () => {
  const md = renderMarkdown({
    ...baseline([check('x', 'Action Required')]),
    verdict: 'fail',
    endpoint: { bootstrap: 'h:9093', username: '$ConnectionString', topics: { telemetry: 't', orders: 'o' } },
    summary: { passed: 0, actionRequired: 1, notRun: 0 },
    readiness: [{ name: 'DnsResolved', status: 'Pass', meaning: 'm', evidence: 'e' }],
    baseline: { used: false, note: 'no baseline here' },
    assessmentNote: 'no workload profile',
  });
  expect(md).toContain('ACTION REQUIRED');
  expect(md).toContain('| DnsResolved | ✅ Pass |');
  expect(md).toContain('| x | ❌ Action Required |');
  expect(md).toContain('no baseline here');
});

describe('compareWithBaseline never skips in silence', () => {
  const tolerances = { throughputDropPct: 30, latencyRisePct: 50, latencyMinMs: 20, perfPolicy: 'fail' as const };
  const reportOf = (checks: ReportCheck[]) =>
    ({ schema: REPORT_SCHEMA, schemaVersion: 2, generatedAt: '2026-01-01T00:00:00Z', profile: 'fabric', checks }) as unknown as ReadinessReport;
  const pass = (id: string, measured: ReportCheck['measured'] = {}) => check(id, 'Pass', measured);

  test('a tracked metric a passing check no longer measures (a renamed key) fails, by the performance policy', () => {
    const before = reportOf([pass('burst.max-rate', { 'events/s': 1000, 'MB/s': 1, 'ack p99 ms': 5 })]);
    const c = compareWithBaseline([pass('burst.max-rate', { 'events per second': 1000, 'MB/s': 1, 'ack p99 ms': 5 })], before, 'b', tolerances);
    expect(c.notCompared).toContainEqual(expect.objectContaining({ checkId: 'burst.max-rate', metric: 'events/s', missingFrom: 'now', fails: true }));
    expect(comparisonFails(c)).toBe(true);
    expect(comparisonFails({ ...c, perfPolicy: 'warn' })).toBe(false);
  });

  test('a check that did not run now (light mode) is reported as not compared, without failing', () => {
    const before = reportOf([pass('burst.max-rate', { 'events/s': 1000 })]);
    const skipped: ReportCheck = { ...pass('burst.max-rate'), status: 'Not Run', reason: 'left out by READINESS_LOAD=light' };
    const c = compareWithBaseline([skipped], before, 'b', tolerances);
    expect(c.notCompared).toContainEqual(
      expect.objectContaining({ metric: 'events/s', missingFrom: 'now', fails: false, reason: expect.stringContaining('READINESS_LOAD=light') }),
    );
    expect(comparisonFails(c)).toBe(false);
  });

  test('readiness.md and readiness.html name a check that passed before and is missing now (the gate fails for it)', async () => {
    const c = compareWithBaseline([pass('new.check')], reportOf([pass('old.check')]), 'b', tolerances);
    const report = reportFixture({
      checks: [pass('new.check')],
      summary: { passed: 1, actionRequired: 0, notRun: 0 },
      baseline: { used: true, note: 'b' },
      comparison: c,
    });
    const md = renderMarkdown(report);
    expect(md).toContain('❌ **Missing now** (passed before): old.check');
    expect(md).not.toContain('No check that passed before fails now');
    const html = await renderHtml(report);
    expect(html).toContain('Passed before and missing now: old.check');
    expect(html).not.toContain('No check that passed before fails now');
  });

  test('a check that passed before and is missing now fails; one added since is only listed', () => {
    const c = compareWithBaseline([pass('new.check')], reportOf([pass('old.check')]), 'b', tolerances);
    expect(c.notCompared).toContainEqual(expect.objectContaining({ checkId: 'old.check', missingFrom: 'now', fails: true }));
    expect(c.notCompared).toContainEqual(expect.objectContaining({ checkId: 'new.check', missingFrom: 'baseline', fails: false }));
    expect(comparisonFails(c)).toBe(true);
  });
});
