// A bad path ends a run up front: one child run for each place a run can stop on one, and one for a report that
// cannot be written late in the run. The path checks themselves, case by case, are proven in tests/unit/inputs/paths.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { onceStderrMatches, PROJECT_ROOT, runSuite, type SuiteRun } from '../../support/dev/run-suite.js';

const broker = inject('selfBroker');
const dir = mkdtempSync(join(tmpdir(), 'readiness-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const aDir = join(dir, 'a-dir');
mkdirSync(aDir);
const VITE_TEMP = join(PROJECT_ROOT, 'node_modules', '.vite-temp');
const fifo = join(dir, 'a-fifo');
spawnSync('mkfifo', [fifo]);
// Unreadable even for root: reading it fails with EIO.
const UNREADABLE = '/proc/self/mem';
// A refusal is judged before any broker or network stage; most of the bound is the child Vitest's own start-up, which
// takes 2-4 s when the e2e files run two at a time on a busy 2-core machine.
const BOUND_MS = 10000;

/** What a refused path looks like from outside: one "[readiness] VARIABLE=value: problem" line each. */
interface Refusal {
  readonly variable: string;
  readonly value: string;
  readonly problem: RegExp;
}

/** Bad paths: one line each, naming the variable and value, exit 2, quickly, before any broker or network stage. */
function expectRefusedUpFront(r: SuiteRun, refusals: readonly Refusal[]): void {
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('[readiness] '));
  expect(lines, r.stderr.slice(-1500)).toHaveLength(refusals.length);
  refusals.forEach((want, i) => {
    expect(lines[i]).toContain(`${want.variable}=${want.value}: `);
    expect(lines[i]).toMatch(want.problem);
  });
  expect(r.code).toBe(2);
  expect(r.durationMs).toBeLessThan(BOUND_MS);
  expect(r.stderr).not.toMatch(/\[readiness (fabric|local)\] dns|\[local broker\] starting|Unhandled Error|\n\s+at /);
}

describe('bad paths end a run up front, wherever the run reads them', () => {
  const fabric = (env: Record<string, string>, extraArgs: string[] = []) =>
    runSuite({ project: 'fabric', envFile: broker.env, env, timeoutMs: 30000, extraArgs });

  test('READINESS_REPORTS_DIR under /proc (where a recursive mkdir never returns), refused as the config loads, leaving no bundled config behind', async () => {
    const bundled = () => (existsSync(VITE_TEMP) ? readdirSync(VITE_TEMP).filter((f) => f.startsWith('vitest.config.ts.timestamp-')) : []);
    const before = bundled();
    const r = await fabric({ READINESS_REPORTS_DIR: '/proc/x' });
    expectRefusedUpFront(r, [{ variable: 'READINESS_REPORTS_DIR', value: '/proc/x', problem: /creating \/proc\/x failed/ }]);
    // Vite bundles vitest.config.ts to node_modules/.vite-temp while it loads it; a refusal must not strand that copy.
    expect(bundled().filter((f) => !before.includes(f))).toEqual([]);
  });

  test('a JUnit file given on the command line under /proc, refused by the JUnit reporter', async () => {
    const r = await fabric({}, ['--outputFile.junit=/proc/x/junit.xml']);
    expectRefusedUpFront(r, [{ variable: '--outputFile.junit', value: '/proc/x', problem: /creating \/proc\/x failed/ }]);
  });

  test('EVENTSTREAM_ENV_FILE that is a FIFO (which a read would block on), refused by the fabric setup before it reads it', async () => {
    const r = await fabric({ EVENTSTREAM_ENV_FILE: fifo });
    expectRefusedUpFront(r, [{ variable: 'EVENTSTREAM_ENV_FILE', value: fifo, problem: /is not a regular file/ }]);
  });

  test('the fabric setup refuses every bad path the run would read, all at once, one line each', async () => {
    const noFolder = join(dir, 'no-such-folder', 'start');
    const r = await fabric({
      READINESS_BASELINE: aDir,
      READINESS_WORKLOAD_FILE: join(dir, 'nope.yaml'),
      READINESS_HISTORY_DIR: fifo,
      FABRIC_KAFKA_CA_FILE: UNREADABLE,
      READINESS_CAPACITY_START_FILE: noFolder,
    });
    expectRefusedUpFront(r, [
      { variable: 'READINESS_BASELINE', value: aDir, problem: /is a directory, not a file/ },
      { variable: 'READINESS_WORKLOAD_FILE', value: join(dir, 'nope.yaml'), problem: /there is no file/ },
      { variable: 'READINESS_HISTORY_DIR', value: fifo, problem: /is a special file, not a directory/ },
      { variable: 'FABRIC_KAFKA_CA_FILE', value: UNREADABLE, problem: /is not readable/ },
      { variable: 'READINESS_CAPACITY_START_FILE', value: noFolder, problem: /expected a file \(to appear\) in an existing folder/ },
    ]);
  });

  test('the local setup refuses a bad path before it starts a broker', async () => {
    const r = await runSuite({ project: 'local', env: { READINESS_BASELINE: UNREADABLE }, timeoutMs: 30000 });
    expectRefusedUpFront(r, [{ variable: 'READINESS_BASELINE', value: UNREADABLE, problem: /is not readable/ }]);
  });
});

describe('a report that cannot be written late in the run', () => {
  test('the reports dir removed mid-run: one line per file, the verdict kept, a non-zero exit, no stack', async () => {
    const reports = join(dir, 'late-reports');
    mkdirSync(reports);
    let removed = false;
    const r = await runSuite({
      project: 'fabric',
      envFile: broker.env,
      env: { READINESS_REPORTS_DIR: reports, READINESS_BURST_EVENTS: '200', READINESS_PACED_EVENTS: '1', READINESS_ROUND_TRIP_EVENTS: '10' },
      timeoutMs: 90000,
      // Once the preflight has passed, the directory goes away under the running suite.
      onStart: (child) =>
        onceStderrMatches(child, /\[readiness fabric\] topics\s+pass/, () => {
          removed = true;
          rmSync(reports, { recursive: true, force: true });
        }),
    });
    expect(removed).toBe(true);
    expect(r.cases.filter((c) => c.status === 'fail')).toEqual([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`READINESS report NOT written: ${reports}/readiness\\.json: ENOENT.*\\(the checks' verdict was PASS\\)`));
    expect(r.stderr).toMatch(new RegExp(`READINESS report NOT written: ${reports}/junit\\.xml: the file is gone`));
    expect(r.stderr).not.toMatch(/Unhandled Error|\n\s+at /);
  });
});
