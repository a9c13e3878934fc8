// The metric table and the run report turned into samples, the Prometheus text format, the push group's URL, and the monitoring settings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../../support/core/project-root.js';
import { reportFixture } from '../../../support/dev/report-fixture.js';
import { monitoringDestinations, monitoringSecrets, readMonitoringSettings } from '../../../support/inputs/monitoring.js';
import { LABEL, METRIC, METRICS, samplesOf, type MetricKey, type Sample } from '../../../support/monitoring/metric-table.js';
import { escapeLabelValue, exposition, groupRequest } from '../../../support/monitoring/pushgateway.js';
import { BURST_THRESHOLD, CHECK_ID, ROUND_TRIP_THRESHOLD } from '../../../support/record/ids.js';
import { readinessRows, type RowInputs } from '../../../support/report/rows.js';
import { withMonitoring } from '../../../support/report/build.js';
import { registerSecret } from '../../../support/core/redact.js';
import { checkFixture } from '../../../support/dev/report-fixture.js';

const check = checkFixture;

const report = reportFixture({
  verdict: 'fail',
  generatedAt: '2026-11-30T00:00:00.000Z',
  connectivity: {
    endpoint: 'h:9093',
    stages: [
      { stage: 'dns', title: 'DNS', status: 'pass', startMs: 0, durationMs: 1.5 },
      { stage: 'tls', title: 'TLS', status: 'pass', startMs: 1.5, durationMs: 80 },
      { stage: 'sasl', title: 'SASL', status: 'not-run', startMs: 81.5, durationMs: 0 },
    ],
  },
  checks: [
    check(CHECK_ID.tls, 'Pass', { 'a:9093 valid to': '2026-12-30T00:00:00.000Z', 'b:9093 valid to': '2026-12-10T00:00:00.000Z' }, { 'warn under days': 30 }),
    check(
      CHECK_ID.burstMaxRate,
      'Action Required',
      { 'events/s': 5378.1, 'MB/s': 5.507, 'ack p50 ms': 270.1, 'ack p99 ms': 473.6, 'throttle total ms': 12 },
      { [BURST_THRESHOLD.ackP99WarnMs]: 2500 },
    ),
    check(CHECK_ID.roundTrip, 'Pass', { 'e2e p50 ms': 38, 'e2e p99 ms': 252.5, lost: 0, duplicates: 2 }, { [ROUND_TRIP_THRESHOLD.e2eP99WarnMs]: 2500 }),
    check(CHECK_ID.sizeAccepted, 'Not Run'),
  ],
});

const value = (samples: readonly Sample[], metric: MetricKey, labels: Sample['labels'] = {}) =>
  samples.filter((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k as keyof Sample['labels']] === v)).map((s) => s.value);

describe('the metric table', () => {
  test('follows Prometheus naming: one prefix, base units as suffixes, no counter suffix on a gauge, every label declared', () => {
    for (const m of METRICS) {
      expect(m.prometheus).toMatch(/^eventstream_readiness_[a-z_]+$/);
      expect(m.type).toBe('gauge');
      expect(m.prometheus).not.toMatch(/_total$/);
      if (m.unit === 's') expect(m.prometheus).toMatch(/_seconds$/);
      if (m.unit === 'By/s') expect(m.prometheus).toMatch(/_bytes_per_second$/);
      for (const l of m.labels) expect(Object.keys(LABEL)).toContain(l);
    }
    expect(new Set(METRICS.map((m) => m.prometheus)).size).toBe(METRICS.length);
    expect(new Set(METRICS.map((m) => m.otel)).size).toBe(METRICS.length);
  });

  test('no metric is labelled per partition, event or run', () => {
    const labels = Object.values(LABEL).map((l) => l.prometheus);
    expect(labels).toEqual(['check', 'stage', 'topic', 'quantile', 'kind', 'node', 'status']);
  });
});

describe('a finished report as samples', () => {
  const samples = samplesOf(report, { durationSeconds: 12.5, endedAt: new Date('2026-11-30T00:00:01.000Z') });

  test('the verdict, the run end and wall time, and each check as 1, 0 or -1', () => {
    expect(value(samples, 'runSuccess')).toEqual([0]);
    expect(value(samples, 'runEnd')).toEqual([Date.parse('2026-11-30T00:00:01.000Z') / 1000]);
    expect(value(samples, 'runDuration')).toEqual([12.5]);
    expect(value(samples, 'checkStatus', { check: CHECK_ID.tls })).toEqual([1]);
    expect(value(samples, 'checkStatus', { check: CHECK_ID.burstMaxRate })).toEqual([0]);
    expect(value(samples, 'checkStatus', { check: CHECK_ID.sizeAccepted })).toEqual([-1]);
  });

  test('stage times in seconds (stages not run left out), and the earliest certificate expiry against the warning days', () => {
    expect(value(samples, 'stageDuration', { stage: 'dns' })).toEqual([0.0015]);
    expect(value(samples, 'stageDuration', { stage: 'tls' })).toEqual([0.08]);
    expect(value(samples, 'stageDuration', { stage: 'sasl' })).toEqual([]);
    expect(value(samples, 'tlsExpiry')).toEqual([10 * 86400]);
    expect(value(samples, 'tlsWarning')).toEqual([30 * 86400]);
  });

  test("the burst's and the round trip's figures in base units, with their topics and warn thresholds", () => {
    expect(value(samples, 'burstEvents', { topic: 'o' })).toEqual([5378.1]);
    expect(value(samples, 'burstBytes', { topic: 'o' })).toEqual([5_507_000]);
    expect(value(samples, 'ackLatency', { topic: 'o', quantile: '0.5' })).toEqual([0.2701]);
    expect(value(samples, 'ackLatency', { topic: 'o', quantile: '0.99' })).toEqual([0.4736]);
    expect(value(samples, 'ackThreshold', { topic: 'o' })).toEqual([2.5]);
    expect(value(samples, 'throttle', { topic: 'o' })).toEqual([0.012]);
    expect(value(samples, 'e2eLatency', { topic: 't', quantile: '0.99' })).toEqual([0.2525]);
    expect(value(samples, 'e2eThreshold', { topic: 't' })).toEqual([2.5]);
    expect(value(samples, 'lost', { topic: 't' })).toEqual([0]);
    expect(value(samples, 'duplicates', { topic: 't' })).toEqual([2]);
  });

  test('a figure no check recorded is left out, never pushed as 0; a threshold only when the run had one', () => {
    const bare = samplesOf(reportFixture({ checks: [check(CHECK_ID.burstMaxRate, 'Pass', { 'events/s': 10 })] }));
    expect(bare.map((s) => s.metric).sort()).toEqual(['burstEvents', 'checkStatus', 'runEnd', 'runSuccess']);
  });

  test("the control plane's sources and destinations: 1 when Running, else 0, with Fabric's status", () => {
    const controlPlane = {
      configured: true,
      steps: [],
      discovered: [],
      topology: {
        nodes: [
          { id: '1', name: 'custom', kind: 'source', type: 'CustomEndpoint', status: 'Running', inputs: [] },
          { id: '2', name: 'lake', kind: 'destination', type: 'Lakehouse', status: 'Failed', inputs: [] },
          { id: '3', name: 'stream', kind: 'stream', type: 'DefaultStream', inputs: [] },
        ],
      },
    } as const;
    const nodes = samplesOf(reportFixture({ controlPlane })).filter((s) => s.metric === 'nodeRunning');
    expect(nodes).toEqual([
      { metric: 'nodeRunning', labels: { kind: 'source', node: 'custom', status: 'Running' }, value: 1 },
      { metric: 'nodeRunning', labels: { kind: 'destination', node: 'lake', status: 'Failed' }, value: 0 },
    ]);
  });
});

describe('the Prometheus text format', () => {
  test('HELP and TYPE once per metric, labels in the table order, values as numbers', () => {
    const text = exposition([
      { metric: 'checkStatus', labels: { check: 'a' }, value: 1 },
      { metric: 'checkStatus', labels: { check: 'b' }, value: -1 },
      { metric: 'ackLatency', labels: { quantile: '0.99', topic: 'o' }, value: 0.25 },
    ]);
    expect(text).toBe(
      [
        `# HELP ${METRIC.checkStatus.prometheus} ${METRIC.checkStatus.help}`,
        `# TYPE ${METRIC.checkStatus.prometheus} gauge`,
        `${METRIC.checkStatus.prometheus}{check="a"} 1`,
        `${METRIC.checkStatus.prometheus}{check="b"} -1`,
        `# HELP ${METRIC.ackLatency.prometheus} ${METRIC.ackLatency.help}`,
        `# TYPE ${METRIC.ackLatency.prometheus} gauge`,
        `${METRIC.ackLatency.prometheus}{topic="o",quantile="0.99"} 0.25`,
        '',
      ].join('\n'),
    );
  });

  test('escapes backslash, double quote and line feed in a label value', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(exposition([{ metric: 'nodeRunning', labels: { kind: 'source', node: 'my "x"\n', status: 'Running' }, value: 1 }])).toContain(
      'node="my \\"x\\"\\n"',
    );
  });

  test('refuses a label the metric does not declare (labels stay bounded)', () => {
    expect(() => exposition([{ metric: 'runSuccess', labels: { topic: 'o' }, value: 1 }])).toThrow(/label topic is not in the metric table/);
  });
});

describe('the push group', () => {
  test('job, profile and endpoint in the path (base64, so a host list or a slash is one segment); credentials moved to a Basic header', () => {
    const { url, authorization } = groupRequest('https://user:p%40ss@gw.example:9091/prefix/', { profile: 'fabric', endpoint: 'a:9093,b/c:9093' });
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    expect(url).toBe(
      `https://gw.example:9091/prefix/metrics/job/eventstream_readiness/profile@base64/${b64('fabric')}/endpoint@base64/${b64('a:9093,b/c:9093')}`,
    );
    expect(authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
    expect(url).not.toContain('p%40ss');
  });
});

describe('the monitoring settings', () => {
  test('a malformed URL is refused naming the variable and the expected form, its password masked', () => {
    const { problems } = readMonitoringSettings({ READINESS_PUSHGATEWAY_URL: 'ftp://u:hunter22@gw', OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' });
    expect(problems.map((p) => p.message)).toEqual([
      'READINESS_PUSHGATEWAY_URL: expected an http:// or https:// URL such as http://pushgateway:9091, got "ftp://***@gw"',
      'OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https:// URL such as http://otel-collector:4318, got "not a url"',
    ]);
  });

  test('the push deadline defaults to 5 s and is bounded', () => {
    expect(readMonitoringSettings({}).settings).toEqual({ pushgatewayUrl: undefined, pushTimeoutMs: 5000 });
    expect(readMonitoringSettings({ READINESS_PUSH_TIMEOUT_MS: '0' }).problems[0]?.message).toMatch(
      /^READINESS_PUSH_TIMEOUT_MS: expected an integer from 100 to 60000/,
    );
  });

  test('the metrics-specific OTLP endpoint wins; destinations are named without credentials; headers and passwords are secrets', () => {
    const env = {
      READINESS_PUSHGATEWAY_URL: 'http://me:hunter22@gw:9091',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://metrics:4318/v1/metrics',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s3cr3t-token,x-team=%20sre',
    };
    const { settings } = readMonitoringSettings(env);
    expect(settings.otlpVariable).toBe('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
    expect(monitoringDestinations(settings)).toEqual(['Pushgateway http://gw:9091', 'OTLP http://metrics:4318/v1/metrics']);
    expect(monitoringSecrets(settings, env)).toEqual(expect.arrayContaining(['hunter22', 'me:hunter22', 's3cr3t-token', '%20sre']));
  });
});

describe('MonitoringDefined', () => {
  const inputs: RowInputs = {
    preflight: null,
    preflightSkipped: '',
    port: 9093,
    secrets: { status: 'Pass', evidence: 'e' },
    topics: {},
    baseline: { used: false, note: 'no baseline' },
  };
  const row = (i: RowInputs) => readinessRows(i).find((r) => r.name === 'MonitoringDefined');

  test('passes with a push destination configured, naming it; without a baseline or a destination it needs action', () => {
    expect(row(inputs)?.status).toBe('Action Required');
    expect(row({ ...inputs, monitoring: { destinations: [] } })?.status).toBe('Action Required');
    const pushed = row({ ...inputs, monitoring: { destinations: ['Pushgateway http://gw:9091'] } });
    expect(pushed?.status).toBe('Pass');
    expect(pushed?.evidence).toContain('figures pushed to Pushgateway http://gw:9091');
  });
});

describe('docs/monitoring.md', () => {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'monitoring.md'), 'utf8');

  test('lists every metric with its type, unit and labels, as in the table', () => {
    for (const m of METRICS) {
      const line = doc.split('\n').find((l) => l.startsWith(`| \`${m.prometheus}\` |`));
      expect(line, `${m.prometheus} has a row in docs/monitoring.md`).toBeDefined();
      const labels = m.labels.map((l) => `\`${LABEL[l].prometheus}\``).join(', ') || '(none)';
      expect(line).toBe(`| \`${m.prometheus}\` | \`${m.otel}\` | ${m.type} | \`${m.unit}\` | ${labels} | ${m.help} |`);
    }
  });
});

describe("the push's outcome on the report", () => {
  test('a failed push is a warning on the MonitoringDefined row and in the monitoring section, redacted; the verdict stays', () => {
    registerSecret('hunter22-token');
    const base = reportFixture({
      verdict: 'pass',
      readiness: [{ name: 'MonitoringDefined', status: 'Pass', meaning: 'm', evidence: 'figures pushed to OTLP http://c:4318' }],
    });
    const warning = "monitoring: the run's figures were NOT pushed to OTLP http://c:4318: HTTP 401 hunter22-token";
    const out = withMonitoring(base, { destinations: ['OTLP http://c:4318'], pushed: [], samples: 3, warnings: [warning] });
    expect(out.verdict).toBe('pass');
    expect(out.readiness[0]?.evidence).toBe(
      "figures pushed to OTLP http://c:4318; warning: monitoring: the run's figures were NOT pushed to OTLP http://c:4318: HTTP 401 ***",
    );
    expect(out.monitoring?.warnings).toEqual(["monitoring: the run's figures were NOT pushed to OTLP http://c:4318: HTTP 401 ***"]);
    expect(withMonitoring(base, undefined)).toBe(base);
  });
});
