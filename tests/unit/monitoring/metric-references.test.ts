// The shipped Grafana dashboard and alert rules refer only to metrics the runs push, and only to labels those metrics
// carry: every PromQL expression (panels, template variables, rules, the queries inside annotations) is read for
// metric names and labels and held to the metric table; every metric has a panel; the dashboard's PromQL loads in promtool.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { PROJECT_ROOT } from '../../../support/core/project-root.js';
import { annotationLabels, legendLabels, promqlReferences } from '../../../support/dev/promql.js';
import { requirePromtool, runPromtool } from '../../../support/dev/promtool.js';
import { LABEL, METRICS } from '../../../support/monitoring/metric-table.js';

/** What the checks need of the metric table: each metric's Prometheus name and labels (beside the grouping labels). */
type MetricEntry = { readonly name: string; readonly labels: readonly string[] };
const METRIC_NAMES: readonly MetricEntry[] = METRICS.map((m) => ({ name: m.prometheus, labels: m.labels.map((l) => LABEL[l].prometheus) }));

/** Labels every pushed series carries: the Pushgateway's job and grouping labels, and the scrape's instance. */
const GROUPING_LABELS = ['job', 'profile', 'endpoint', 'instance'];
/** The Pushgateway's own series about each push group. */
const PUSHGATEWAY_METRICS: readonly MetricEntry[] = [
  { name: 'push_time_seconds', labels: [] },
  { name: 'push_failure_time_seconds', labels: [] },
];

const DIR = join(PROJECT_ROOT, 'fixtures', 'monitoring');
type Rule = { alert?: string; record?: string; expr: string; annotations?: Record<string, string> };
type Target = { refId: string; expr?: string; legendFormat?: string; datasource?: { uid: string } };
type Grid = { x: number; y: number; w: number; h: number };
type Panel = { id: number; type: string; title: string; gridPos: Grid; datasource?: { uid: string }; targets?: Target[]; panels?: Panel[] };
type Variable = { name: string; type: string; query?: string | { query: string }; definition?: string };
type Dashboard = { schemaVersion: number; templating: { list: Variable[] }; panels: Panel[] };

const rules = (parse(readFileSync(join(DIR, 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');

/** The known metrics and their labels: the table's, the Pushgateway's, and names recorded by the rules themselves. */
function metricLabels(recorded: readonly string[] = []): Map<string, readonly string[]> {
  const known = new Map<string, readonly string[]>();
  for (const m of [...METRIC_NAMES, ...PUSHGATEWAY_METRICS]) known.set(m.name, [...m.labels, ...GROUPING_LABELS]);
  for (const name of recorded) known.set(name, []);
  return known;
}

/**
 * What is wrong with an expression against the known metrics: unknown metric names and functions, selectors
 * filtering on a label their metric lacks, and grouping or shown labels (`shown`: legends, annotations) that no
 * metric of the expression carries. Empty when it refers only to what exists.
 */
function problemsOf(expr: string, known: ReadonlyMap<string, readonly string[]>, shown: readonly string[] = []): string[] {
  const refs = promqlReferences(expr);
  const problems = refs.unknownFunctions.map((f) => `unknown function ${f}()`);
  const carried = new Set<string>();
  for (const { metric, labels } of refs.selectors) {
    const has = metric === undefined ? undefined : known.get(metric);
    if (!has) {
      problems.push(metric === undefined ? 'a selector without a metric name' : `unknown metric ${metric}`);
      continue;
    }
    has.forEach((l) => carried.add(l));
    problems.push(...labels.filter((l) => !has.includes(l)).map((l) => `${metric} has no label ${l}`));
  }
  for (const label of [...refs.groupingLabels, ...shown]) {
    if (!carried.has(label)) problems.push(`no metric of the expression has the label ${label}`);
  }
  return problems;
}

/** A Grafana variable's query: `label_values(<selector>, <label>)` is Grafana's, read as a selector and a label. */
function variableProblems(query: string, known: ReadonlyMap<string, readonly string[]>): string[] {
  const call = /^label_values\((.+),\s*(\w+)\)$/.exec(query.trim());
  return call ? problemsOf(call[1] ?? '', known, [call[2] ?? '']) : problemsOf(query, known);
}

/** The PromQL inside an annotation's templates (`printf "..." | query`, `query "..."`), with each %q as a string. */
function annotationQueries(annotation: string): string[] {
  return [...annotation.matchAll(/(?:printf|query) "((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replaceAll('%q', '"x"'));
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const recorded = rules.flatMap((r) => (r.record ? [r.record] : []));
const ruleKnown = metricLabels(recorded);
const dashboardKnown = metricLabels();

describe('the reference check itself', () => {
  test('finds unknown metrics, unknown functions, labels a metric lacks, and grouping or legend labels nothing carries', () => {
    expect(problemsOf('rate(eventstream_readiness_run_sucess[5m])', dashboardKnown)).toEqual(['unknown metric eventstream_readiness_run_sucess']);
    expect(problemsOf('eventstream_readiness_run_success{topic="t"}', dashboardKnown)).toEqual(['eventstream_readiness_run_success has no label topic']);
    expect(problemsOf('sum by (partition) (eventstream_readiness_burst_events_per_second)', dashboardKnown)).toEqual([
      'no metric of the expression has the label partition',
    ]);
    expect(problemsOf('eventstream_readiness_check_status', dashboardKnown, ['stage'])).toEqual(['no metric of the expression has the label stage']);
    expect(problemsOf('sume(eventstream_readiness_run_success)', dashboardKnown)).toEqual(['unknown function sume()']);
    expect(variableProblems('label_values(eventstream_readiness_run_success, topic)', dashboardKnown)).toEqual([
      'no metric of the expression has the label topic',
    ]);
  });

  test('accepts functions, keywords, strings, ranges, Grafana variables and the Pushgateway series', () => {
    const expr =
      'max by (profile, endpoint) (time() - max_over_time(push_time_seconds{job="eventstream_readiness", profile=~"$profile"}[$__rate_interval])) ' +
      '> bool on(job) group_left() 3600 unless eventstream_readiness_run_success offset 1h';
    expect(problemsOf(expr, dashboardKnown)).toEqual([]);
  });
});

describe('fixtures/monitoring/grafana-dashboard.json', () => {
  test('parses, with schemaVersion 39, a Prometheus datasource variable, and profile and endpoint variables from label_values', () => {
    expect(dashboard.schemaVersion).toBe(39);
    const vars = dashboard.templating.list;
    expect(vars.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const name of ['profile', 'endpoint']) {
      expect(vars.find((v) => v.name === name)).toMatchObject({ type: 'query', definition: expect.stringMatching(/^label_values\(/) });
    }
  });

  test("lays its panels out on Grafana's 24-column grid without overlap, each with a unique id, every query on the datasource variable", () => {
    const all = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    const overlaps = (a: Grid, b: Grid) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    for (const [i, p] of all.entries()) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(
        all
          .slice(i + 1)
          .filter((q) => overlaps(p.gridPos, q.gridPos))
          .map((q) => `${p.title} overlaps ${q.title}`),
      ).toEqual([]);
    }
    for (const p of panels) {
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(new Set(p.targets?.map((t) => t.refId)).size, p.title).toBe(p.targets?.length);
      for (const t of p.targets ?? []) expect(t.datasource?.uid, p.title).toBe('${datasource}');
    }
  });

  test('every panel query and variable refers only to metrics in the metric table, by labels those metrics have', () => {
    const problems = panels.flatMap((p) =>
      (p.targets ?? []).flatMap((t) => problemsOf(t.expr ?? '', dashboardKnown, legendLabels(t.legendFormat ?? '')).map((m) => `${p.title}: ${m}`)),
    );
    for (const v of dashboard.templating.list.filter((v) => v.type === 'query')) {
      problems.push(...variableProblems(v.definition ?? '', dashboardKnown).map((m) => `variable ${v.name}: ${m}`));
    }
    expect(problems).toEqual([]);
  });

  test('every metric in the metric table is shown in at least one panel', () => {
    const shown = new Set(panels.flatMap((p) => (p.targets ?? []).flatMap((t) => promqlReferences(t.expr ?? '').selectors.map((s) => s.metric))));
    expect(METRIC_NAMES.map((m) => m.name).filter((name) => !shown.has(name))).toEqual([]);
  });

  test("every panel filters by the profile and endpoint variables, and every panel's PromQL loads in promtool", async (ctx) => {
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr ?? '' })));
    expect(exprs.filter((e) => !e.expr.includes('profile=~"$profile"') || !e.expr.includes('endpoint=~"$endpoint"'))).toEqual([]);
    const promtool = requirePromtool((note) => ctx.skip(note));
    // Each panel query as a recording rule: promtool parses it with Prometheus' own PromQL parser.
    const asRules = { groups: [{ name: 'dashboard', rules: exprs.map((e, i) => ({ record: `dashboard:panel_${i}`, expr: e.expr })) }] };
    const dir = mkdtempSync(join(tmpdir(), 'readiness-dashboard-'));
    temps.push(dir);
    writeFileSync(join(dir, 'dashboard.rules.yml'), stringify(asRules));
    const result = await runPromtool(promtool, ['check', 'rules', 'dashboard.rules.yml'], { cwd: dir });
    expect(result.code, `promtool check rules on the dashboard's queries:\n${result.output}`).toBe(0);
  });
});

describe('fixtures/monitoring/alerts.yml', () => {
  test('every rule, and every query inside its annotations, refers only to metrics in the metric table, by labels those metrics have', () => {
    const problems = rules.flatMap((r) => {
      const name = r.alert ?? r.record ?? '';
      const shown = Object.values(r.annotations ?? {}).flatMap(annotationLabels);
      const queries = Object.values(r.annotations ?? {}).flatMap(annotationQueries);
      return [...problemsOf(r.expr, ruleKnown, shown), ...queries.flatMap((q) => problemsOf(q, ruleKnown))].map((m) => `${name}: ${m}`);
    });
    expect(problems).toEqual([]);
  });
});
