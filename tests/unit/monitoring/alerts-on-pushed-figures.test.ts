// The alert rules against what the exporter really pushes: a finished report turned into samples and into the
// Pushgateway's text format by support/monitoring, replayed by promtool as the series Prometheus scrapes from the
// gateway. A bad run fires exactly the alerts it deserves, with the labels the rules promise; a healthy run fires none.
// (The push itself, to a real Pushgateway scraped by a real Prometheus, is proven in tests/e2e/monitoring.test.ts.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { PROJECT_ROOT } from '../../../support/core/project-root.js';
import { requirePromtool, runPromtool } from '../../../support/dev/promtool.js';
import { reportFixture } from '../../../support/dev/report-fixture.js';
import { samplesOf } from '../../../support/monitoring/metric-table.js';
import { PUSH_JOB, exposition } from '../../../support/monitoring/pushgateway.js';
import type { ControlPlaneResult } from '../../../support/record/control-plane.js';
import { BURST_METRIC, BURST_THRESHOLD, CHECK_ID, ROUND_TRIP_METRIC, ROUND_TRIP_THRESHOLD } from '../../../support/record/ids.js';
import type { ReadinessReport } from '../../../support/report/model.js';
import { checkFixture } from '../../../support/dev/report-fixture.js';

const RULES = join(PROJECT_ROOT, 'fixtures', 'monitoring', 'alerts.yml');
/** The push group's labels, as a scrape of the gateway with honor_labels keeps them. */
const GROUP = { job: PUSH_JOB, profile: 'fabric', endpoint: 'contoso.servicebus.windows.net:9093' };
const TOPICS = { telemetry: 'telemetry', orders: 'orders' };

const check = checkFixture;

const controlPlane = (destinationStatus: string): ControlPlaneResult => ({
  configured: true,
  steps: [],
  discovered: [],
  topology: {
    nodes: [
      { id: 's', name: 'orders-app', kind: 'source', type: 'CustomEndpoint', status: 'Running', inputs: [] },
      { id: 'd', name: 'lakehouse', kind: 'destination', type: 'Lakehouse', status: destinationStatus, inputs: ['s'] },
    ],
  },
});

/** A run's report: `bad` fails the gate, its certificate expires in 10 days, both p99s are over 2.5 s, a destination Failed. */
function runReport(bad: boolean): ReadinessReport {
  return reportFixture({
    verdict: bad ? 'fail' : 'pass',
    generatedAt: '2026-11-30T00:00:00.000Z',
    endpoint: { bootstrap: GROUP.endpoint, username: '$ConnectionString', topics: TOPICS },
    checks: [
      check(CHECK_ID.tls, 'Pass', { [`${GROUP.endpoint} valid to`]: bad ? '2026-12-10T00:00:00.000Z' : '2027-06-01T00:00:00.000Z' }, { 'warn under days': 30 }),
      check(
        CHECK_ID.burstMaxRate,
        bad ? 'Action Required' : 'Pass',
        {
          [BURST_METRIC.eventsPerSec]: 5378.1,
          [BURST_METRIC.mbPerSec]: 5.507,
          [BURST_METRIC.ackP50]: bad ? 2900 : 270.1,
          [BURST_METRIC.ackP99]: bad ? 3200 : 473.6,
          [BURST_METRIC.throttleTotal]: 12,
        },
        { [BURST_THRESHOLD.ackP99WarnMs]: 2500 },
      ),
      check(
        CHECK_ID.roundTrip,
        'Pass',
        { [ROUND_TRIP_METRIC.e2eP50]: 38, [ROUND_TRIP_METRIC.e2eP99]: bad ? 4000 : 252.5, lost: 0, duplicates: 0 },
        { [ROUND_TRIP_THRESHOLD.e2eP99WarnMs]: 2500 },
      ),
    ],
    controlPlane: controlPlane(bad ? 'Failed' : 'Running'),
  });
}

/** The text format's sample lines as promtool input series, each with the group's labels, seen every minute for 10 minutes. */
function asInputSeries(text: string): Array<{ series: string; values: string }> {
  const group = Object.entries(GROUP).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const cut = line.lastIndexOf(' ');
      const [name = '', labels] = line.slice(0, cut).split(/\{(.*)\}$/);
      return { series: `${name}{${[...group, ...(labels ? [labels] : [])].join(',')}}`, values: `${line.slice(cut + 1)}+0x10` };
    });
}

/** The firing alerts (ALERTS{alertstate="firing"}) three minutes into the replay of what the run pushed. */
function promtoolTest(report: ReadinessReport, firing: ReadonlyArray<Record<string, string>>): string {
  // The run ended as the replay began: its age stays far under the no-run limit.
  const text = exposition(samplesOf(report, { durationSeconds: 40, endedAt: new Date(0) }));
  const labels = (l: Record<string, string>) => Object.entries({ ...GROUP, ...l, alertstate: 'firing' }).map(([k, v]) => `${k}="${v}"`);
  return stringify({
    rule_files: [RULES],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: asInputSeries(text),
        promql_expr_test: [
          {
            expr: 'ALERTS{alertstate="firing"}',
            eval_time: '3m',
            exp_samples: firing.map((l) => ({ labels: `ALERTS{${labels(l).join(',')}}`, value: 1 })),
          },
        ],
      },
    ],
  });
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs promtool test rules on the generated file in a temp dir (removed after the test). */
async function replay(promtool: string, testFile: string) {
  const dir = mkdtempSync(join(tmpdir(), 'readiness-pushed-alerts-'));
  temps.push(dir);
  writeFileSync(join(dir, 'pushed.test.yml'), testFile);
  return runPromtool(promtool, ['test', 'rules', 'pushed.test.yml'], { cwd: dir });
}

describe('the alert rules on the figures a run pushes', () => {
  test('a failing run with an expiring certificate, slow p99s and a Failed destination fires those five alerts, with the labels the rules promise', async (ctx) => {
    const promtool = requirePromtool((note) => ctx.skip(note));
    const expected: Array<Record<string, string>> = [
      { alertname: 'EventstreamReadinessGateFailed', severity: 'critical' },
      { alertname: 'EventstreamReadinessCertificateExpiring', severity: 'warning' },
      { alertname: 'EventstreamReadinessAckLatencyHigh', severity: 'warning', topic: TOPICS.orders },
      { alertname: 'EventstreamReadinessEndToEndLatencyHigh', severity: 'warning', topic: TOPICS.telemetry },
      { alertname: 'EventstreamReadinessNodeNotRunning', severity: 'critical', kind: 'destination', node: 'lakehouse', status: 'Failed' },
    ];
    const result = await replay(promtool, promtoolTest(runReport(true), expected));
    expect(result.code, `promtool test rules on the pushed figures of a bad run:\n${result.output}`).toBe(0);
  });

  test('a healthy run fires no alert', async (ctx) => {
    const promtool = requirePromtool((note) => ctx.skip(note));
    const result = await replay(promtool, promtoolTest(runReport(false), []));
    expect(result.code, `promtool test rules on the pushed figures of a healthy run:\n${result.output}`).toBe(0);
  });

  test('the replay can fail: a healthy run expected to fire the gate alert is refused by promtool', async (ctx) => {
    const promtool = requirePromtool((note) => ctx.skip(note));
    const result = await replay(promtool, promtoolTest(runReport(false), [{ alertname: 'EventstreamReadinessGateFailed', severity: 'critical' }]));
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain('EventstreamReadinessGateFailed');
  });
});
