// A run's figures in monitoring: real Pushgateway and Prometheus (Debian's packages) and an OTLP receiver decoding with
// OpenTelemetry's own protocol definitions; a failing run says so; a monitoring endpoint down or hung never changes the verdict.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, test, type TestContext } from 'vitest';
import {
  pollPrometheus,
  requireMonitoringBinaries,
  startOtlpReceiver,
  startPrometheus,
  startPushgateway,
  startSilentPort,
  type OtlpAttribute,
  type OtlpRequest,
  type Service,
} from '../../support/dev/monitoring-stack.js';
import { QUICK } from '../../support/dev/quick.js';
import { runSuite, type SuiteRun } from '../../support/dev/run-suite.js';
import { runCapacityMerge, shardFixture, type MergeRun } from '../../support/dev/capacity-fixtures.js';
import { METRIC } from '../../support/monitoring/metric-table.js';
import { BURST_METRIC, BURST_THRESHOLD, CHECK_ID, ROUND_TRIP_METRIC } from '../../support/record/ids.js';
import type { ReadinessReport, ReportCheck } from '../../support/report/model.js';

const shared = inject('selfBroker');
/** Each push's deadline in these runs, and the margin a hung endpoint may add beyond it on a busy machine. */
const PUSH_TIMEOUT_MS = 2000;
const MARGIN_MS = 4000;
const GATEWAY_PASSWORD = `gw-${randomBytes(8).toString('hex')}`;
const OTLP_TOKEN = `otlp-${randomBytes(8).toString('hex')}`;

interface Stack {
  readonly gateway: Service;
  readonly prometheus: Service;
  readonly receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  readonly silent: Awaited<ReturnType<typeof startSilentPort>>;
}
const started: Array<{ stop(): Promise<void> } | { close(): Promise<void> }> = [];
let stackStarted: Promise<Stack> | undefined;

/** Pushgateway, Prometheus scraping it, the OTLP receiver and a silent port: started once, by the first test that needs them. */
async function startStack(binaries: { prometheus: string; 'prometheus-pushgateway': string }): Promise<Stack> {
  const gateway = await startPushgateway(binaries['prometheus-pushgateway']);
  started.push(gateway);
  const prometheus = await startPrometheus(binaries.prometheus, gateway.port);
  started.push(prometheus);
  const receiver = await startOtlpReceiver();
  started.push(receiver);
  const silent = await startSilentPort();
  started.push(silent);
  return { gateway, prometheus, receiver, silent };
}

/** The stack, or a skip saying how to install the packages (a failure under CI=true). */
function stackFor(ctx: TestContext): Promise<Stack> {
  const binaries = requireMonitoringBinaries((note) => ctx.skip(note));
  return (stackStarted ??= startStack(binaries));
}

afterAll(async () => {
  await Promise.all(started.map((s) => ('stop' in s ? s.stop() : s.close())));
});

const withCredentials = (url: string) => url.replace('http://', `http://ci:${GATEWAY_PASSWORD}@`);

let passing: Promise<SuiteRun> | undefined;
/** A passing local run pushing to the gateway (with credentials in its URL) and to the OTLP receiver (with a header). */
function passingRun(stack: Stack): Promise<SuiteRun> {
  return (passing ??= runSuite({
    project: 'local',
    env: {
      ...QUICK,
      LOCAL_BROKER: process.env.LOCAL_BROKER ?? 'auto',
      READINESS_PUSH_TIMEOUT_MS: String(PUSH_TIMEOUT_MS),
      READINESS_PUSHGATEWAY_URL: withCredentials(stack.gateway.url),
      OTEL_EXPORTER_OTLP_ENDPOINT: stack.receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${OTLP_TOKEN}`,
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=selftest,team=sre',
    },
    timeoutMs: 150000,
  }));
}

/** The series of one run's group on Prometheus, polled until its end timestamp is this run's. */
async function seriesOf(prometheus: Service, report: ReadinessReport, profile: string): Promise<(metric: string, labels?: Record<string, string>) => number[]> {
  const group = `job="eventstream_readiness",profile="${profile}",endpoint="${report.endpoint.bootstrap}"`;
  await pollPrometheus(prometheus.url, `${METRIC.runSuccess.prometheus}{${group}}`, (s) => s.length === 1);
  const all = await pollPrometheus(prometheus.url, `{__name__=~"eventstream_readiness_.+",${group}}`, (s) => s.length > 0);
  return (metric, labels = {}) =>
    all.filter((s) => s.labels.__name__ === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);
}

const checkOf = (report: ReadinessReport | undefined, id: string): ReportCheck => {
  const c = report?.checks.find((x) => x.id === id);
  if (!c) throw new Error(`${id} not in readiness.json`);
  return c;
};

function expectNoSecret(run: SuiteRun, secrets: readonly string[]): void {
  for (const s of secrets) expect(run.allOutput.includes(s), 'a monitoring credential was printed or reported').toBe(false);
}

function otlpAttributes(attrs: readonly OtlpAttribute[] | undefined): Record<string, string | number | undefined> {
  return Object.fromEntries((attrs ?? []).map((a) => [a.key, a.value.stringValue ?? a.value.doubleValue ?? a.value.intValue]));
}

/** Each OTLP gauge point as name, attributes and value. */
function otlpPoints(request: OtlpRequest): Array<{ name: string; unit?: string; attributes: Record<string, unknown>; value: number }> {
  return request.body.resourceMetrics.flatMap((rm) =>
    (rm.scopeMetrics ?? []).flatMap((sm) =>
      (sm.metrics ?? []).flatMap((m) =>
        (m.gauge?.dataPoints ?? []).map((p) => ({
          name: m.name,
          unit: m.unit,
          attributes: otlpAttributes(p.attributes),
          value: p.asDouble ?? Number(p.asInt),
        })),
      ),
    ),
  );
}

/** `npm run capacity:merge` over two shard files (100 events/s each for 5 s), with `env`. */
async function capacityMerge(env: Record<string, string>): Promise<MergeRun> {
  const dir = mkdtempSync(join(tmpdir(), 'eventstream-readiness-monitoring-merge-'));
  try {
    for (const i of [1, 2]) writeFileSync(join(dir, `readiness-shard-${i}.json`), JSON.stringify(shardFixture(i, 2)));
    return await runCapacityMerge(['--shards', '2', dir], join(dir, 'out'), env);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('a run pushes its figures to monitoring', () => {
  test("a passing local run's figures reach Prometheus through the Pushgateway, equal to readiness.json's", async (ctx) => {
    const stack = await stackFor(ctx);
    const run = await passingRun(stack);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const report = run.readiness as ReadinessReport;
    expect(report.monitoring?.pushed).toEqual([`Pushgateway ${stack.gateway.url}`, `OTLP ${stack.receiver.url}`]);
    expect(run.stderr).toContain(
      `[readiness local] monitoring: ${report.monitoring?.samples} figures pushed to Pushgateway ${stack.gateway.url} and OTLP ${stack.receiver.url}`,
    );
    expect(report.readiness.find((r) => r.name === 'MonitoringDefined')).toMatchObject({ status: 'Pass', evidence: expect.stringContaining('Pushgateway') });
    // The check agrees with its row: a pushing run without a baseline passes MonitoringDefined, naming where it pushed.
    const check = report.checks.find((c) => c.id === CHECK_ID.monitoringDefined);
    expect(check).toMatchObject({ status: 'Pass', measured: { 'pushed to': expect.stringContaining('Pushgateway') } });
    const series = await seriesOf(stack.prometheus, report, 'local');
    expect(series(METRIC.runSuccess.prometheus)).toEqual([1]);
    for (const c of report.checks)
      expect(series(METRIC.checkStatus.prometheus, { check: c.id }), c.id).toEqual([{ Pass: 1, 'Action Required': 0, 'Not Run': -1 }[c.status]]);
    for (const s of report.connectivity?.stages ?? [])
      expect(series(METRIC.stageDuration.prometheus, { stage: s.stage })[0]).toBeCloseTo(s.durationMs / 1000, 6);
    const burst = checkOf(report, CHECK_ID.burstMaxRate).measured;
    const orders = { topic: report.endpoint.topics.orders };
    expect(series(METRIC.burstEvents.prometheus, orders)).toEqual([burst[BURST_METRIC.eventsPerSec]]);
    expect(series(METRIC.ackLatency.prometheus, { ...orders, quantile: '0.99' })[0]).toBeCloseTo(Number(burst[BURST_METRIC.ackP99]) / 1000, 9);
    expect(series(METRIC.ackThreshold.prometheus, orders)[0]).toBeCloseTo(
      Number(checkOf(report, CHECK_ID.burstMaxRate).thresholds[BURST_THRESHOLD.ackP99WarnMs]) / 1000,
      9,
    );
    const rt = checkOf(report, CHECK_ID.roundTrip).measured;
    const telemetry = { topic: report.endpoint.topics.telemetry };
    expect(series(METRIC.e2eLatency.prometheus, { ...telemetry, quantile: '0.99' })[0]).toBeCloseTo(Number(rt[ROUND_TRIP_METRIC.e2eP99]) / 1000, 9);
    expect(series(METRIC.lost.prometheus, telemetry)).toEqual([rt.lost]);
    const tls = checkOf(report, CHECK_ID.tls);
    const expiry = (Date.parse(String(tls.measured['valid to'])) - Date.parse(report.generatedAt)) / 1000;
    expect(series(METRIC.tlsExpiry.prometheus)[0]).toBeCloseTo(expiry, 3);
    expect(series(METRIC.tlsWarning.prometheus)).toEqual([Number(tls.thresholds['warn under days']) * 86400]);
    // The local profile's stand-in of Fabric's REST API answers the control plane: each source and destination is a series.
    const nodes = (report.controlPlane?.topology?.nodes ?? []).filter((n) => n.kind === 'source' || n.kind === 'destination');
    expect(nodes.length).toBeGreaterThan(0);
    for (const n of nodes)
      expect(series(METRIC.nodeRunning.prometheus, { kind: n.kind, node: n.name, status: n.status ?? '' }), n.name).toEqual([n.status === 'Running' ? 1 : 0]);
    // The wall time from the reporter's start to the push: within the child's own lifetime.
    const wall = series(METRIC.runDuration.prometheus)[0] ?? 0;
    expect(wall).toBeGreaterThan(0);
    expect(wall * 1000).toBeLessThan(run.durationMs);
    const ended = series(METRIC.runEnd.prometheus)[0] ?? 0;
    expect(ended * 1000).toBeGreaterThanOrEqual(Date.parse(report.generatedAt));
    expect(ended * 1000).toBeLessThanOrEqual(Date.now());
    expectNoSecret(run, [GATEWAY_PASSWORD, OTLP_TOKEN]);
  });

  test('the same figures arrive over OTLP, decoded with the OpenTelemetry protocol definitions, with the header and the resource attributes', async (ctx) => {
    const stack = await stackFor(ctx);
    const run = await passingRun(stack);
    const report = run.readiness as ReadinessReport;
    expect(stack.receiver.requests.length).toBe(1);
    const request = stack.receiver.requests[0] as OtlpRequest;
    expect(request.path).toBe('/v1/metrics');
    expect(request.headers['x-api-key']).toBe(OTLP_TOKEN);
    expect(request.headers['content-type']).toBe('application/x-protobuf');
    const resource = otlpAttributes(request.body.resourceMetrics[0]?.resource?.attributes);
    expect(resource).toMatchObject({
      'deployment.environment': 'selftest',
      team: 'sre',
      'service.name': 'eventstream-readiness',
      'eventstream_readiness.profile': 'local',
      'server.address': report.endpoint.bootstrap,
    });
    const points = otlpPoints(request);
    const point = (metric: (typeof METRIC)[keyof typeof METRIC], attributes: Record<string, string> = {}) =>
      points.filter((p) => p.name === metric.otel && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
    expect(point(METRIC.runSuccess).map((p) => p.value)).toEqual([1]);
    expect(point(METRIC.runSuccess)[0]?.unit).toBe('1');
    expect(point(METRIC.checkStatus).length).toBe(report.checks.length);
    const burst = checkOf(report, CHECK_ID.burstMaxRate).measured;
    const orders = { 'messaging.destination.name': report.endpoint.topics.orders };
    expect(point(METRIC.burstEvents, orders).map((p) => p.value)).toEqual([burst[BURST_METRIC.eventsPerSec]]);
    expect(point(METRIC.ackLatency, { ...orders, 'eventstream_readiness.quantile': '0.99' })[0]?.value).toBeCloseTo(
      Number(burst[BURST_METRIC.ackP99]) / 1000,
      9,
    );
    expect(point(METRIC.burstEvents, orders)[0]?.attributes['messaging.system']).toBe('kafka');
  });

  test("a failing run pushes run_success 0 and the failing check's status 0; an OTLP endpoint that never answers costs its deadline and one warning", async (ctx) => {
    const stack = await stackFor(ctx);
    const wrong = shared.connectionString.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${randomBytes(32).toString('base64')}`);
    let reportsStarted = 0;
    let warned = 0;
    const run = await runSuite({
      project: 'fabric',
      envFile: { ...shared.env, FABRIC_KAFKA_PASSWORD: wrong },
      env: {
        ...QUICK,
        READINESS_PUSHGATEWAY_URL: withCredentials(stack.gateway.url),
        OTEL_EXPORTER_OTLP_ENDPOINT: stack.silent.url,
        READINESS_PUSH_TIMEOUT_MS: String(PUSH_TIMEOUT_MS),
      },
      timeoutMs: 90000,
      // The reports start once JUnit is written (stdout); the push's warning follows on stderr.
      onStart: (child) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (!reportsStarted && chunk.toString().includes('JUNIT report written')) reportsStarted = performance.now();
        });
        child.stderr?.on('data', (chunk: Buffer) => {
          if (!warned && chunk.toString().includes('NOT pushed')) warned = performance.now();
        });
      },
    });
    expect(run.code, run.stderr.slice(-2000)).toBe(1);
    expect(checkOf(run.readiness, CHECK_ID.sasl).status).toBe('Action Required');
    const warnings = run.stderr.split('\n').filter((l) => l.includes('NOT pushed'));
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(`NOT pushed to OTLP ${stack.silent.url}: the push to OTLP .* did not finish within ${PUSH_TIMEOUT_MS} ms \\(the verdict stays FAIL\\)`),
      ),
    ]);
    expect(reportsStarted, 'JUnit was written before the push').toBeGreaterThan(0);
    expect(warned - reportsStarted).toBeLessThan(PUSH_TIMEOUT_MS + MARGIN_MS);
    expect(run.readiness?.monitoring?.warnings).toHaveLength(1);
    expect(run.readinessMd).toContain('NOT pushed to OTLP');
    expect(run.readinessHtml).toContain('NOT pushed to OTLP');
    const series = await seriesOf(stack.prometheus, run.readiness as ReadinessReport, 'fabric');
    expect(series(METRIC.runSuccess.prometheus)).toEqual([0]);
    expect(series(METRIC.checkStatus.prometheus, { check: CHECK_ID.sasl })).toEqual([0]);
    expectNoSecret(run, [GATEWAY_PASSWORD, wrong]);
  });

  test('a capacity merge pushes the merged verdict and throughput as profile capacity', async (ctx) => {
    const stack = await stackFor(ctx);
    const merged = await capacityMerge({ READINESS_PUSHGATEWAY_URL: withCredentials(stack.gateway.url), READINESS_PUSH_TIMEOUT_MS: String(PUSH_TIMEOUT_MS) });
    expect(merged.code, merged.out).toBe(0);
    expect(merged.report.monitoring?.pushed).toEqual([`Pushgateway ${stack.gateway.url}`]);
    const series = await seriesOf(stack.prometheus, merged.report, 'capacity');
    expect(series(METRIC.runSuccess.prometheus)).toEqual([1]);
    expect(series(METRIC.checkStatus.prometheus, { check: CHECK_ID.capacityTarget })).toEqual([1]);
    const c = merged.report.capacity;
    expect(series(METRIC.burstEvents.prometheus, { topic: 'orders' })).toEqual([c?.allSending?.eventsPerSec]);
    expect(series(METRIC.ackLatency.prometheus, { topic: 'orders', quantile: '0.99' })[0]).toBeCloseTo((c?.ackLatency.p99 ?? NaN) / 1000, 9);
    expect(merged.out.includes(GATEWAY_PASSWORD), 'the gateway password was printed').toBe(false);
  });

  test('with the gateway stopped (connection refused) a passing run still exits 0, with one warning', async (ctx) => {
    const stack = await stackFor(ctx);
    await passingRun(stack); // shared with the tests above: it must have pushed before the gateway goes
    await stack.gateway.stop();
    const run = await runSuite({
      project: 'fabric',
      envFile: shared.env,
      env: { ...QUICK, READINESS_PUSHGATEWAY_URL: withCredentials(stack.gateway.url), READINESS_PUSH_TIMEOUT_MS: String(PUSH_TIMEOUT_MS) },
      extraArgs: ['tests/01-environment.test.ts'],
      timeoutMs: 60000,
    });
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(run.readiness?.verdict).toBe('pass');
    const warnings = run.stderr.split('\n').filter((l) => l.includes('NOT pushed'));
    expect(warnings).toEqual([expect.stringMatching(/NOT pushed to Pushgateway http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*\(the verdict stays PASS\)/)]);
    expect(run.readiness?.readiness.find((r) => r.name === 'MonitoringDefined')?.evidence).toContain('warning: monitoring:');
    expectNoSecret(run, [GATEWAY_PASSWORD]);
  });
});
