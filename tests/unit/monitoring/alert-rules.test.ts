// The shipped Prometheus alert rules (fixtures/monitoring/alerts.yml), judged by Prometheus' own promtool: the file
// loads, its unit tests (alerts.test.yml) pass, and those unit tests fail when a rule's threshold is changed.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../../support/core/project-root.js';
import { requirePromtool, runPromtool } from '../../../support/dev/promtool.js';

const DIR = join(PROJECT_ROOT, 'fixtures', 'monitoring');
const RULES = 'alerts.yml';
const TESTS = 'alerts.test.yml';
const ALERTS_DOC = readFileSync(join(PROJECT_ROOT, 'docs', 'alerts.md'), 'utf8');

const ALERTS = [
  'EventstreamReadinessGateFailed',
  'EventstreamReadinessNoRecentRun',
  'EventstreamReadinessCertificateExpiring',
  'EventstreamReadinessAckLatencyHigh',
  'EventstreamReadinessEndToEndLatencyHigh',
  'EventstreamReadinessNodeNotRunning',
] as const;

type Rule = { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
const groups = (parse(readFileSync(join(DIR, RULES), 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }).groups;

/**
 * One change each to a rule that its unit tests must catch: the alert promtool then names, and what changed.
 * A change the tests let through would mean the tests do not pin that rule's threshold.
 */
const MUTATIONS: ReadonlyArray<{ alert: (typeof ALERTS)[number]; change: string; from: string; to: string }> = [
  { alert: 'EventstreamReadinessNoRecentRun', change: 'limit 26 h to 25 h', from: 'vector(93600)', to: 'vector(90000)' },
  { alert: 'EventstreamReadinessNoRecentRun', change: 'fires at exactly 26 h', from: '> on() group_left()', to: '>= on() group_left()' },
  {
    alert: 'EventstreamReadinessNoRecentRun',
    change: 'watches every profile',
    from: 'run_end_timestamp_seconds{profile="fabric"}\n',
    to: 'run_end_timestamp_seconds\n',
  },
  {
    alert: 'EventstreamReadinessCertificateExpiring',
    change: 'fires at the warning threshold too',
    from: 'expiry_seconds < eventstream_readiness_tls_certificate_warning_seconds',
    to: 'expiry_seconds <= eventstream_readiness_tls_certificate_warning_seconds',
  },
  {
    alert: 'EventstreamReadinessAckLatencyHigh',
    change: 'judges p50 instead of p99',
    from: 'burst_ack_latency_seconds{quantile="0.99"}',
    to: 'burst_ack_latency_seconds{quantile="0.5"}',
  },
  { alert: 'EventstreamReadinessGateFailed', change: 'fires on a passing run too', from: 'run_success == 0', to: 'run_success < 1.5' },
  { alert: 'EventstreamReadinessNodeNotRunning', change: 'fires on a Running node too', from: 'node_running == 0', to: 'node_running < 2' },
];

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temp copy of the rules and their tests, with `from` replaced by `to` in the rules (removed after the test). */
function mutatedCopy(from: string, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'readiness-alerts-'));
  temps.push(dir);
  const rules = readFileSync(join(DIR, RULES), 'utf8');
  expect(rules, `the mutation's text must be in ${RULES}`).toContain(from);
  writeFileSync(join(dir, RULES), rules.replace(from, to));
  copyFileSync(join(DIR, TESTS), join(dir, TESTS));
  return dir;
}

describe('promtool for the self tests', () => {
  test('when missing, skips with the install command, and fails under CI=true', () => {
    const empty = mkdtempSync(join(tmpdir(), 'readiness-no-promtool-'));
    temps.push(empty);
    const notes: string[] = [];
    expect(requirePromtool((note) => notes.push(note), { PATH: empty })).toBe('');
    expect(notes).toEqual([expect.stringContaining('apt-get install -y prometheus')]);
    expect(() => requirePromtool(() => undefined, { PATH: empty, CI: 'true' })).toThrow(/apt-get install -y prometheus.*Under CI=true/);
  });
});

describe('fixtures/monitoring/alerts.yml', () => {
  test('holds one group with the six alerts, each with a for, a severity, a summary, a description and a runbook naming its section of docs/alerts.md', () => {
    expect(groups).toHaveLength(1);
    const alerts = groups[0]?.rules.filter((r) => r.alert) ?? [];
    expect(alerts.map((r) => r.alert)).toEqual([...ALERTS]);
    for (const rule of alerts) {
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      expect(Object.keys(rule.annotations ?? {}).sort(), rule.alert).toEqual(['description', 'runbook', 'summary']);
      // The runbook names its section of docs/alerts.md: that heading must be there.
      const section = /^docs\/alerts\.md, ([^:]+): /.exec(rule.annotations?.runbook ?? '')?.[1];
      expect(ALERTS_DOC, `${rule.alert}: its runbook names no section of docs/alerts.md that exists`).toContain(`\n### ${section}\n`);
    }
  });

  test('is valid for promtool check rules', async (ctx) => {
    const promtool = requirePromtool((note) => ctx.skip(note));
    const result = await runPromtool(promtool, ['check', 'rules', RULES], { cwd: DIR });
    expect(result.code, `promtool check rules ${RULES}:\n${result.output}`).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${ALERTS.length + 1} rules found`);
  });

  test('passes its unit tests (promtool test rules alerts.test.yml): each alert fires on a bad run and stays quiet on a good one', async (ctx) => {
    const promtool = requirePromtool((note) => ctx.skip(note));
    const result = await runPromtool(promtool, ['test', 'rules', TESTS], { cwd: DIR });
    expect(result.code, `promtool test rules ${TESTS}:\n${result.output}`).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });

  test('has a unit test for every alert that fires it and asserts its labels and annotations exactly', () => {
    const spec = parse(readFileSync(join(DIR, TESTS), 'utf8')) as {
      tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: Array<{ exp_labels?: object; exp_annotations?: object }> }> }>;
    };
    const cases = spec.tests.flatMap((t) => t.alert_rule_test);
    for (const alert of ALERTS) {
      const fired = cases.filter((c) => c.alertname === alert).flatMap((c) => c.exp_alerts);
      expect(
        fired.some((a) => a.exp_labels && a.exp_annotations),
        `${alert}: no case where it fires with its labels and annotations`,
      ).toBe(true);
    }
  });

  test.for(MUTATIONS)('its unit tests fail when $alert changes: $change', async ({ alert, from, to }, ctx) => {
    const promtool = requirePromtool((note) => ctx.skip(note));
    const result = await runPromtool(promtool, ['test', 'rules', TESTS], { cwd: mutatedCopy(from, to) });
    expect(result.code, `promtool accepted the changed rule:\n${result.output}`).toBe(1);
    expect(result.output).toContain(`alertname: ${alert}`);
  });
});
