// The CI files users copy are parsed and their key steps asserted, so a broken edit shows up here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { parseInstant, parseShard } from '../../../support/capacity/settings.js';
import { PROJECT_ROOT } from '../../../support/dev/run-suite.js';

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
  test('type-checks, then runs unit, e2e and local with the container broker, and publishes JUnit always', () => {
    expect(steps.some((s) => s.run === 'npm run typecheck')).toBe(true);
    // What npm test runs before the tests, so a pull request fails here as it would on .ci/run.
    expect(steps.some((s) => s.run === 'npm run -s format:check')).toBe(true);
    expect(steps.some((s) => s.run === 'npm run -s lint')).toBe(true);
    const checks = steps.find((s) => s.run?.includes('--project unit --project e2e --project local'));
    expect(checks?.env?.LOCAL_BROKER).toBe('container');
    const publish = steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report'));
    expect(publish?.if).toMatch(/^always\(\)/);
    expect(publish?.with?.report_paths).toBe('reports/junit.xml');
    expect(steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))?.if).toBe('always()');
  });
  test('runs every step `npm test` runs, each as its own step, so a pull request fails here as it would locally', () => {
    const scripts = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    // `npm test` is a chain of commands: `tsc --noEmit` (the typecheck script), `npm run -s <script>`, then vitest.
    const byCommand = new Map(Object.entries(scripts).map(([name, command]) => [command, name]));
    const wanted = (scripts.test ?? '').split('&&').map((part) => {
      const command = part.trim();
      const script = /^npm run (?:-s )?([\w:-]+)$/.exec(command)?.[1] ?? byCommand.get(command);
      return script ? script : command.replace(/^vitest /, 'npx vitest ');
    });
    expect(wanted.length).toBeGreaterThanOrEqual(6);
    const runs = steps.map((s) => s.run ?? '');
    for (const w of wanted) {
      const found = w.startsWith('npx vitest ') ? runs.includes(w) : runs.some((r) => new RegExp(`^npm run (-s )?${w}$`).test(r));
      expect(found, `ci.yml has no step for "${w}" of npm test`).toBe(true);
    }
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

describe('.github/workflows/capacity.yml', () => {
  const wf = load('.github/workflows/capacity.yml');
  test('runs on demand with inputs for shards, rate, duration and event size', () => {
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch']);
    expect(Object.keys(wf.on.workflow_dispatch.inputs)).toEqual(expect.arrayContaining(['shards', 'rate', 'duration_s', 'event_bytes']));
  });
  test("the plan step's shell gives the matrix and one start a few minutes ahead, in forms the shards read", () => {
    const plan = (wf.jobs.plan.steps as Step[]).find((s) => s.run?.includes('GITHUB_OUTPUT'));
    const dir = mkdtempSync(join(tmpdir(), 'readiness-plan-'));
    try {
      const out = join(dir, 'out');
      execFileSync('bash', ['-e', '-c', plan?.run ?? 'exit 9'], { env: { PATH: process.env.PATH, SHARDS: '3', GITHUB_OUTPUT: out } });
      const outputs = Object.fromEntries(
        readFileSync(out, 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split('=') as [string, string]),
      );
      expect(JSON.parse(outputs.shards ?? '')).toEqual([1, 2, 3]);
      const startIn = parseInstant('start_at', outputs.start_at ?? '') - Date.now();
      expect(startIn).toBeGreaterThan(200_000);
      expect(startIn).toBeLessThan(260_000);
      expect(() =>
        execFileSync('bash', ['-e', '-c', plan?.run ?? ''], { env: { PATH: process.env.PATH, SHARDS: 'x', GITHUB_OUTPUT: out }, stdio: 'pipe' }),
      ).toThrow(/shards: expected a whole number/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('a matrix of shard jobs runs the fabric project as shard i of N from the common start, and uploads each file, failed or not', () => {
    const shard = wf.jobs.shard;
    expect(shard.needs).toBe('plan');
    expect(shard.strategy['fail-fast']).toBe(false);
    expect(shard.strategy.matrix.index).toBe('${{ fromJSON(needs.plan.outputs.shards) }}');
    const run = (shard.steps as Step[]).find((s) => s.run === 'npx vitest run --project fabric');
    expect(run?.env).toMatchObject({
      READINESS_SHARD: '${{ matrix.index }}/${{ inputs.shards }}',
      READINESS_CAPACITY_RATE: '${{ inputs.rate }}',
      READINESS_CAPACITY_START_AT: '${{ needs.plan.outputs.start_at }}',
      FABRIC_KAFKA_PASSWORD: '${{ secrets.FABRIC_KAFKA_PASSWORD }}',
    });
    const upload = (shard.steps as Step[]).find((s) => s.uses?.startsWith('actions/upload-artifact'));
    expect(upload?.if).toBe('always()');
    expect(String(upload?.with?.path)).toContain('reports/readiness-shard-*.json');
  });
  test('the merge job runs whatever the shards did, merges every shard file, and publishes the report', () => {
    const merge = wf.jobs.merge;
    expect(merge.needs).toEqual(['plan', 'shard']);
    expect(merge.if).toMatch(/^always\(\)/);
    const steps = merge.steps as Step[];
    expect(steps.find((s) => s.uses?.startsWith('actions/download-artifact'))?.with).toMatchObject({ pattern: 'readiness-shard-*', path: 'shards' });
    expect(steps.find((s) => s.run?.startsWith('npm run capacity:merge'))?.run).toBe('npm run capacity:merge -- --shards "${{ inputs.shards }}" shards');
    const publish = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
    expect(publish?.if).toBe('always()');
    expect(String(publish?.with?.path)).toContain('reports/readiness.html');
  });
});

describe('fixtures/ci/azure-pipelines-capacity.yml', () => {
  const pipeline = load('fixtures/ci/azure-pipelines-capacity.yml');
  const stage = (name: string) =>
    (pipeline.stages as Array<{ stage: string; jobs: Array<Record<string, any>>; condition?: string }>).find((s) => s.stage === name);
  test('parallel jobs (strategy: parallel) each run one shard, i/N from the job position, from one planned start', () => {
    const job = stage('shards')?.jobs[0];
    expect(job?.strategy.parallel).toBe('${{ parameters.shards }}');
    const run = (job?.steps as Step[]).find((s) => s.script === 'npx vitest run --project fabric');
    expect(run?.env?.READINESS_SHARD).toBe('$(System.JobPositionInPhase)/$(System.TotalJobsInPhase)');
    expect(run?.env?.READINESS_CAPACITY_START_AT).toBe('$(START_AT)');
    expect(job?.variables.START_AT).toBe("$[ stageDependencies.plan.plan.outputs['set.startAt'] ]");
    expect((stage('plan')?.jobs[0]?.steps as Step[])[0]?.script).toContain('isOutput=true]$(date -u');
    expect((job?.steps as Step[]).find((s) => s.task === 'PublishPipelineArtifact@1')?.condition).toBe('always()');
  });
  test('the merge stage runs whatever the shards did and merges every shard artifact', () => {
    const merge = stage('merge');
    expect(merge?.condition).toMatch(/^and\(always\(\)/);
    const steps = merge?.jobs[0]?.steps as Step[];
    expect(steps.find((s) => s.task === 'DownloadPipelineArtifact@2')?.inputs?.patterns).toBe('readiness-shard-*/readiness-shard-*.json');
    expect(steps.some((s) => s.script?.startsWith('npm run capacity:merge -- --shards ${{ parameters.shards }}'))).toBe(true);
  });
});

describe('fixtures/k8s/capacity-job.yaml', () => {
  const job = load('fixtures/k8s/capacity-job.yaml');
  const container = job.spec.template.spec.containers[0];
  test('an Indexed Job, every shard at once, never retried outside its window', () => {
    expect(job.kind).toBe('Job');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.parallelism).toBe(job.spec.completions);
    expect(job.spec.backoffLimit).toBe(0);
    const env = Object.fromEntries((container.env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
    expect(Number(env.SHARDS)).toBe(job.spec.completions);
    expect(() => parseInstant('READINESS_CAPACITY_START_AT', env.READINESS_CAPACITY_START_AT ?? '')).not.toThrow();
  });
  test("the pod's shell turns JOB_COMPLETION_INDEX (from 0) into READINESS_SHARD (from 1) and a folder of its own", () => {
    const script = String(container.args[0]).replace('exec npx vitest run --project fabric', 'echo "$READINESS_SHARD $READINESS_REPORTS_DIR"');
    const out = execFileSync('sh', ['-c', script], { env: { PATH: process.env.PATH, JOB_COMPLETION_INDEX: '3', SHARDS: '4' } })
      .toString()
      .trim();
    expect(out).toBe('4/4 /shards/3');
    expect(parseShard(out.split(' ')[0])).toEqual({ index: 4, count: 4 });
  });
});

test('.ci/run installs Chromium for the browser test, right after the version lines', () => {
  const run = readFileSync(join(PROJECT_ROOT, '.ci/run'), 'utf8');
  expect(run).toContain('apt-get install -y -qq chromium');
  expect(run.indexOf('chromium')).toBeGreaterThan(run.indexOf('mvn -v'));
  expect(run.indexOf('apt-get install')).toBeLessThan(run.indexOf('npm test'));
});

describe('.github/workflows/nightly-oidc.yml (no stored secret)', () => {
  const wf = load('.github/workflows/nightly-oidc.yml');
  const steps = stepsOf(wf);
  const gate = steps.find((s) => s.run === 'npx vitest run --project fabric');
  test("logs in with GitHub's OIDC token: id-token write, azure/login from repository variables, no subscription needed", () => {
    expect(wf.permissions['id-token']).toBe('write');
    const login = steps.find((s) => s.uses?.startsWith('azure/login@'));
    expect(login?.with).toMatchObject({
      'client-id': '${{ vars.AZURE_CLIENT_ID }}',
      'tenant-id': '${{ vars.AZURE_TENANT_ID }}',
      'allow-no-subscriptions': true,
    });
    expect(login?.with).not.toHaveProperty('client-secret');
    expect(steps.indexOf(login as Step)).toBeLessThan(steps.indexOf(gate as Step));
  });
  test('the gate gets the workspace and the eventstream as variables, and no Kafka setting or secret at all', () => {
    expect(gate?.env).toMatchObject({ FABRIC_WORKSPACE_ID: '${{ vars.FABRIC_WORKSPACE_ID }}', FABRIC_EVENTSTREAM_ID: '${{ vars.FABRIC_EVENTSTREAM_ID }}' });
    expect(Object.keys(gate?.env ?? {}).filter((k) => k.startsWith('FABRIC_KAFKA') || k.startsWith('FABRIC_CONSUMER'))).toEqual([]);
    expect(readFileSync(join(PROJECT_ROOT, '.github/workflows/nightly-oidc.yml'), 'utf8')).not.toContain('secrets.');
  });
  test('its baseline comes from its own earlier runs', () => {
    expect(steps.find((s) => s.uses?.startsWith('dawidd6/action-download-artifact'))?.with?.workflow).toBe('nightly-oidc.yml');
  });
});

describe('fixtures/ci/azure-pipelines-oidc.yml (no stored secret)', () => {
  const pipeline = load('fixtures/ci/azure-pipelines-oidc.yml');
  const steps = pipeline.steps as Step[];
  test('runs the gate inside AzureCLI@2 with a service connection, workspace and eventstream as plain variables', () => {
    const gate = steps.find((s) => s.task === 'AzureCLI@2');
    expect(gate?.inputs).toMatchObject({ azureSubscription: 'fabric-readiness', inlineScript: 'npx vitest run --project fabric' });
    expect(gate?.env).toMatchObject({ FABRIC_WORKSPACE_ID: '$(FABRIC_WORKSPACE_ID)', FABRIC_EVENTSTREAM_ID: '$(FABRIC_EVENTSTREAM_ID)' });
    expect(Object.keys(gate?.env ?? {}).filter((k) => k.startsWith('FABRIC_KAFKA'))).toEqual([]);
    expect(steps.find((s) => s.task === 'PublishTestResults@2')?.condition).toBe('always()');
  });
});

describe(".github/workflows/ci.yml: Microsoft's specification for the contract tests", () => {
  const wf = load('.github/workflows/ci.yml');
  const steps = stepsOf(wf);
  test('checks out microsoft/fabric-rest-api-specs at a pinned commit and points FABRIC_API_SPEC_DIR at it', () => {
    const spec = steps.find((s) => s.uses?.startsWith('actions/checkout') && s.with?.repository === 'microsoft/fabric-rest-api-specs');
    expect(String(spec?.with?.ref)).toMatch(/^[0-9a-f]{40}$/);
    const checks = steps.find((s) => s.run?.includes('--project unit'));
    expect(checks?.env?.FABRIC_API_SPEC_DIR).toBe(`\${{ github.workspace }}/${String(spec?.with?.path)}`);
    expect(String(spec?.with?.path)).toMatch(/^\.cache\//);
  });
});
