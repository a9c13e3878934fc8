// Runs `vitest run --project fabric` the way a pipeline does, against the local broker and against dead endpoints.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { brokerMode, startLocalBroker, type LocalBroker } from '../../support/broker/index.js';
import { freePort } from '../../support/broker/layout.js';
import type { ReadinessReport } from '../../support/report/model.js';
import { runSuite, type SuiteRun } from '../../support/self/run-suite.js';

let broker: LocalBroker;
/** The healthy run's readiness.json, the baseline for the regression tests. */
let healthyReport = '';
beforeAll(async () => {
  broker = await startLocalBroker(brokerMode(process.env.LOCAL_BROKER));
}, 120000);
afterAll(async () => broker?.stop());

/** Smaller loads keep the child runs quick; the checks are the same. */
const QUICK = { READINESS_BURST_EVENTS: '500', READINESS_PACED_EVENTS: '3', READINESS_ROUND_TRIP_EVENTS: '20' };

function firstFailure(run: SuiteRun) {
  return run.cases.find((c) => c.status === 'fail');
}

/** The run failed, first at the case whose name starts with `prefix`, and nothing after it passed. */
function expectFailedAt(run: SuiteRun, prefix: string, messagePattern: RegExp): void {
  expect(run.code, run.stderr.slice(-2000)).not.toBe(0);
  const first = firstFailure(run);
  expect(first?.name, JSON.stringify(run.cases.map((c) => [c.name, c.status]))).toContain(prefix);
  expect(first?.failureMessage).toMatch(messagePattern);
  expect(first?.failureMessage).toMatch(/Likely cause/);
  const after = run.cases.slice(run.cases.indexOf(first!) + 1).filter((c) => c.suite.includes('connectivity'));
  expect(after.every((c) => c.status === 'skip')).toBe(true);
}

describe('the fabric profile run as a pipeline runs it', () => {
  test('passes against a healthy endpoint, exit code 0, every check a named testcase', async () => {
    const run = await runSuite({ project: 'fabric', envFile: broker.env as Record<string, string>, env: QUICK, timeoutMs: 90000 });
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(run.cases.length).toBeGreaterThanOrEqual(25);
    // Without a baseline the regression and monitoring checks are skipped with their reason, nothing else.
    expect(run.cases.filter((c) => c.status === 'fail')).toEqual([]);
    expect(run.cases.filter((c) => c.status === 'skip').map((c) => c.name)).toEqual([
      expect.stringContaining('MonitoringDefined'),
      expect.stringContaining('no check that passed'),
      expect.stringContaining('throughput and latency'),
      expect.stringContaining('Assessment'),
    ]);
    const tls = run.cases.find((c) => c.name.includes('TLS:'));
    expect(tls?.properties.map((p) => p.name)).toContain('measured: days to expiry');
    expect(run.allOutput).not.toContain(broker.connectionString);
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

  test('a wrong password fails on the SASL check with an auth hint, and neither secret is printed anywhere', async () => {
    const wrong = broker.connectionString.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=d3Jvbmcta2V5LXRoYXQtaXMtbm90LXJpZ2h0');
    const run = await runSuite({ project: 'fabric', envFile: { ...(broker.env as Record<string, string>), FABRIC_KAFKA_PASSWORD: wrong }, env: QUICK, timeoutMs: 60000 });
    expectFailedAt(run, 'SASL:', /\(auth\)/);
    expect(run.readiness?.verdict).toBe('fail');
    expect(run.readiness?.checks.find((c) => c.id === 'connectivity.sasl')).toMatchObject({ status: 'Action Required', diagnosis: { failureClass: 'auth' } });
    expect(run.readiness?.checks.find((c) => c.name.startsWith('Smoke >'))?.status).toBe('Not Run');
    expect(run.readinessMd).toContain('Likely cause:');
    expect(run.allOutput).not.toContain(wrong);
    expect(run.allOutput).not.toContain('d3Jvbmcta2V5LXRoYXQtaXMtbm90LXJpZ2h0');
    expect(run.allOutput).not.toContain(broker.connectionString);
  });

  test('a missing variable fails the environment check naming it', async () => {
    const { FABRIC_TOPIC_ORDERS: _, ...rest } = broker.env as Record<string, string>;
    const run = await runSuite({ project: 'fabric', envFile: rest, timeoutMs: 60000 });
    expect(run.code).not.toBe(0);
    expect(firstFailure(run)?.name).toContain('FABRIC_TOPIC_ORDERS');
    expect(firstFailure(run)?.failureMessage).toMatch(/FABRIC_TOPIC_ORDERS: expected a Kafka topic name/);
    expect(run.cases.filter((c) => c.name.includes('SASL:')).map((c) => c.status)).toEqual(['skip']);
  });
});

describe('the regression gate, given the previous run\'s readiness.json', () => {
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
    const run = await runSuite({ project: 'fabric', envFile: broker.env as Record<string, string>, env: { ...QUICK, READINESS_BASELINE: baselineFile(healthyReport), READINESS_PERF_REGRESSION: 'warn' }, timeoutMs: 90000 });
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(run.readiness?.comparison?.newlyFailing).toEqual([]);
    expect(run.readiness?.readiness.find((r) => r.name === 'MonitoringDefined')?.status).toBe('Pass');
    expect(run.readinessMd).toContain('No check that passed before fails now');
  });

  test('fails when a check that passed before fails now, naming it', async () => {
    const wrong = broker.connectionString.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=YW5vdGhlci13cm9uZy1rZXk=');
    const run = await runSuite({ project: 'fabric', envFile: { ...(broker.env as Record<string, string>), FABRIC_KAFKA_PASSWORD: wrong }, env: { ...QUICK, READINESS_BASELINE: baselineFile(healthyReport) }, timeoutMs: 60000 });
    expect(run.code).not.toBe(0);
    const gate = run.cases.find((c) => c.name.includes('no check that passed'));
    expect(gate?.status).toBe('fail');
    expect(gate?.failureMessage).toContain('connectivity.sasl');
    expect(run.readiness?.comparison?.newlyFailing).toContain('connectivity.sasl');
    expect(run.allOutput).not.toContain(wrong);
  });

  test('flags throughput worse than the baseline beyond tolerance, failing or warning by policy', async () => {
    const inflated = JSON.parse(healthyReport) as ReadinessReport;
    const burst = inflated.checks.find((c) => c.id === 'burst.max-rate') as { measured: Record<string, number> };
    burst.measured['events/s'] = (burst.measured['events/s'] ?? 0) * 100;
    const file = baselineFile(JSON.stringify(inflated));
    const failing = await runSuite({ project: 'fabric', envFile: broker.env as Record<string, string>, env: { ...QUICK, READINESS_BASELINE: file }, timeoutMs: 90000 });
    expect(failing.code).not.toBe(0);
    expect(failing.cases.find((c) => c.name.includes('throughput and latency'))?.failureMessage).toMatch(/burst.max-rate events\/s .* tolerance 30%/);
    const warning = await runSuite({ project: 'fabric', envFile: broker.env as Record<string, string>, env: { ...QUICK, READINESS_BASELINE: file, READINESS_PERF_REGRESSION: 'warn' }, timeoutMs: 90000 });
    expect(warning.code, warning.stdout.slice(-2000)).toBe(0);
    expect(warning.readiness?.comparison?.metrics.find((m) => m.metric === 'events/s')?.regressed).toBe(true);
  });

  test('a malformed baseline fails MonitoringDefined with an error naming READINESS_BASELINE', async () => {
    const run = await runSuite({ project: 'fabric', envFile: broker.env as Record<string, string>, env: { ...QUICK, READINESS_BASELINE: baselineFile('{ not json') }, timeoutMs: 90000 });
    expect(run.code).not.toBe(0);
    expect(run.cases.find((c) => c.name.includes('MonitoringDefined'))?.failureMessage).toMatch(/READINESS_BASELINE: .* is not JSON/);
  });
});

describe('an unreachable endpoint is judged, failing, in under 30 s', () => {
  let silent: Server;
  const held: Socket[] = [];
  let silentPort = 0;
  beforeAll(async () => {
    // Accepts TCP and never says a word: what a black-holing proxy looks like.
    silent = createServer((socket) => held.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    held.forEach((s) => s.destroy());
    await new Promise((r) => silent.close(r));
  });

  const endpoint = (bootstrap: string) => ({ ...(broker.env as Record<string, string>), FABRIC_KAFKA_BOOTSTRAP: bootstrap });

  test.each([
    ['an unresolvable host', async (): Promise<string> => 'nothing-here.invalid:9093', 'DNS:', /\(dns\)/],
    ['a refused port', async (): Promise<string> => `127.0.0.1:${await freePort()}`, 'TCP:', /\(tcp-refused\)/],
    ['a listener that accepts TCP and never answers', async (): Promise<string> => `localhost:${silentPort}`, 'TLS:', /\(tls-timeout\)/],
  ] as const)('%s', async (_name, bootstrap, stage, pattern) => {
    const run = await runSuite({ project: 'fabric', envFile: endpoint(await bootstrap()), timeoutMs: 45000 });
    expectFailedAt(run, stage, pattern);
    expect(run.durationMs).toBeLessThan(30000);
  });
});
