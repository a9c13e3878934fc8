// The CI files users copy are parsed and their key steps asserted, so a broken edit shows up here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../support/self/run-suite.js';

type Step = {
  name?: string;
  uses?: string;
  run?: string;
  script?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  task?: string;
  inputs?: Record<string, unknown>;
  condition?: string;
};
const load = (path: string) => parse(readFileSync(join(PROJECT_ROOT, path), 'utf8')) as Record<string, any>;
const stepsOf = (wf: Record<string, any>): Step[] => Object.values(wf.jobs as Record<string, { steps: Step[] }>).flatMap((j) => j.steps);

describe('.github/workflows/ci.yml', () => {
  const wf = load('.github/workflows/ci.yml');
  const steps = stepsOf(wf);
  test('runs on push and pull request, on Node 22 and 24', () => {
    expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(wf.jobs.test.strategy.matrix.node).toEqual([22, 24]);
  });
  test('type-checks, then runs self and local with the container broker, and publishes JUnit always', () => {
    expect(steps.some((s) => s.run === 'npm run typecheck')).toBe(true);
    const checks = steps.find((s) => s.run?.includes('--project self --project local'));
    expect(checks?.env?.LOCAL_BROKER).toBe('container');
    const publish = steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'));
    expect(publish?.if).toMatch(/^always\(\)/);
    expect(publish?.with?.report_paths).toBe('reports/junit.xml');
    expect(steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))?.if).toBe('always()');
  });
  test("uploads the browser test's screenshots of readiness.html, also when tests fail", () => {
    const shots = steps.find((s) => s.uses?.startsWith('actions/upload-artifact') && String(s.with?.path).includes('reports/screenshots'));
    expect(shots?.if).toBe('always()');
  });
});

describe('.github/workflows/nightly.yml', () => {
  const wf = load('.github/workflows/nightly.yml');
  const steps = stepsOf(wf);
  test('runs on a schedule and on demand', () => {
    expect(wf.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \*$/);
    expect(wf.on).toHaveProperty('workflow_dispatch');
  });
  test('gates with --project fabric, endpoint from secrets, the previous report as baseline', () => {
    const gate = steps.find((s) => s.run === 'npx vitest run --project fabric');
    expect(gate?.env?.FABRIC_KAFKA_PASSWORD).toBe('${{ secrets.FABRIC_KAFKA_PASSWORD }}');
    expect(gate?.env?.FABRIC_KAFKA_BOOTSTRAP).toContain('secrets.');
    expect(gate?.env?.FABRIC_KAFKA_USERNAME).toBe('$ConnectionString');
    expect(gate?.env?.READINESS_BASELINE).toBe('baseline/readiness.json');
    const fetch = steps.find((s) => s.uses?.startsWith('dawidd6/action-download-artifact'));
    expect(fetch?.with).toMatchObject({ name: 'readiness-report', path: 'baseline', workflow_conclusion: 'success' });
  });
  test("uploads the report (tomorrow's baseline) and publishes JUnit even when the gate fails", () => {
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
    expect(upload?.if).toBe('always()');
    expect(upload?.with?.name).toBe('readiness-report');
    expect(String(upload?.with?.path)).toContain('reports/readiness.json');
    expect(String(upload?.with?.path)).toContain('reports/readiness.html');
    expect(steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'))?.if).toBe('always()');
  });
  test('keeps the last READINESS_HISTORY_RUNS reports in a rolling cache, passing and failing nights, and feeds them in', () => {
    const keep = Number(wf.jobs.readiness.env.READINESS_HISTORY_RUNS);
    expect(keep).toBeGreaterThanOrEqual(5);
    const restore = steps.find((s) => s.uses?.startsWith('actions/cache/restore'));
    const save = steps.find((s) => s.uses?.startsWith('actions/cache/save'));
    // Cache entries are immutable: a key per run, restored by prefix.
    expect(restore?.with).toMatchObject({ path: 'history', key: 'readiness-history-${{ github.run_id }}', 'restore-keys': 'readiness-history-' });
    expect(save?.with).toMatchObject({ path: 'history', key: 'readiness-history-${{ github.run_id }}' });
    expect(save?.if).toBe('always()');
    const gate = steps.findIndex((s) => s.run === 'npx vitest run --project fabric');
    expect(steps[gate]?.env?.READINESS_HISTORY_DIR).toBe('history');
    expect(steps.indexOf(restore as Step)).toBeLessThan(gate);
    const append = steps.find((s) => s.run?.includes('cp reports/readiness.json "history/'));
    expect(append?.if).toBe('always()');
    expect(append?.run).toContain('head -n -"$READINESS_HISTORY_RUNS"');
    expect(steps.indexOf(append as Step)).toBeLessThan(steps.indexOf(save as Step));
  });
});

describe('fixtures/ci/azure-pipelines.yml', () => {
  const pipeline = load('fixtures/ci/azure-pipelines.yml');
  const steps = pipeline.steps as Step[];
  test('publishes JUnit through PublishTestResults and runs the fabric gate', () => {
    expect(steps.find((s) => s.task === 'PublishTestResults@2')).toMatchObject({
      condition: 'always()',
      inputs: { testResultsFormat: 'JUnit', testResultsFiles: 'reports/junit.xml' },
    });
    expect(steps.some((s) => s.script === 'npx vitest run --project fabric')).toBe(true);
  });
  test('carries the last READINESS_HISTORY_RUNS reports from run to run as an artifact, failed runs included, and keeps readiness.html', () => {
    const keep = (pipeline.variables as Array<{ name?: string; value?: unknown }>).find((v) => v.name === 'READINESS_HISTORY_RUNS');
    expect(Number(keep?.value)).toBeGreaterThanOrEqual(5);
    const fetch = steps.find((s) => s.task === 'DownloadPipelineArtifact@2' && s.inputs?.artifact === 'readiness-history');
    expect(fetch?.inputs).toMatchObject({ allowFailedBuilds: true, path: '$(Pipeline.Workspace)/history' });
    const gate = steps.findIndex((s) => s.script === 'npx vitest run --project fabric');
    expect(steps[gate]?.env?.READINESS_HISTORY_DIR).toBe('$(Pipeline.Workspace)/history');
    expect(steps.indexOf(fetch as Step)).toBeLessThan(gate);
    const append = steps.find((s) => s.script?.includes('cp reports/readiness.json'));
    expect(append?.condition).toBe('always()');
    expect(append?.script).toContain('head -n -$(READINESS_HISTORY_RUNS)');
    const publish = steps.find((s) => s.task === 'PublishPipelineArtifact@1' && s.inputs?.artifact === 'readiness-history');
    expect(publish).toMatchObject({ condition: 'always()', inputs: { targetPath: '$(Pipeline.Workspace)/history' } });
    // The whole reports folder (readiness.html with it) is the kept report.
    expect(steps.find((s) => s.task === 'PublishPipelineArtifact@1' && s.inputs?.artifact === 'readiness-report')?.inputs?.targetPath).toBe('reports');
  });
});

test('.ci/run installs Chromium for the browser test, right after the version lines', () => {
  const run = readFileSync(join(PROJECT_ROOT, '.ci/run'), 'utf8');
  expect(run).toContain('apt-get install -y -qq chromium');
  expect(run.indexOf('chromium')).toBeGreaterThan(run.indexOf('mvn -v'));
  expect(run.indexOf('apt-get install')).toBeLessThan(run.indexOf('npm test'));
});
