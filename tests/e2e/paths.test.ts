// Every user-given path is checked before a broker starts or a network stage runs: one line naming it, a non-zero exit, in seconds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { checkFileSetting, checkStartFileSetting, prepareDirectory, prepareReportsDir } from '../../support/inputs/paths.js';
import { onceStderrMatches, runSuite, type SuiteRun } from '../../support/dev/run-suite.js';

const broker = inject('selfBroker');
const dir = mkdtempSync(join(tmpdir(), 'readiness-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const aFile = join(dir, 'a-file.txt');
writeFileSync(aFile, 'not a directory\n');
const aDir = join(dir, 'a-dir');
mkdirSync(aDir);
const fifo = join(dir, 'a-fifo');
spawnSync('mkfifo', [fifo]);
// Unreadable even for root: reading it fails with EIO. /sys is not writable even for root.
const UNREADABLE = '/proc/self/mem';
const UNWRITABLE = '/sys';
const BOUND_MS = 5000;

/** A bad path: one line naming the variable and value, exit non-zero, quickly, before any broker or network stage. */
function expectRefusedUpFront(r: SuiteRun, variable: string, value: string, problem: RegExp): void {
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('[readiness] '));
  expect(lines, r.stderr.slice(-1500)).toHaveLength(1);
  expect(lines[0]).toContain(`${variable}=${value}: `);
  expect(lines[0]).toMatch(problem);
  expect(r.code).toBe(2);
  expect(r.durationMs).toBeLessThan(BOUND_MS);
  expect(r.stderr).not.toMatch(/\[readiness (fabric|local)\] dns|\[local broker\] starting|Unhandled Error|\n\s+at /);
}

describe('path checks (unit)', () => {
  test('a reports dir is created one level at a time, and must take a file', () => {
    const nested = join(dir, 'new', 'reports');
    expect(prepareDirectory('X', nested, dir)).toEqual({ dir: nested });
    expect(existsSync(nested)).toBe(true);
    expect(prepareReportsDir(undefined, dir)).toEqual({ dir: join(dir, 'reports') });
    expect(prepareDirectory('X', join(aFile, 'sub'), dir).problem?.problem).toMatch(/expected a directory, but .*a-file\.txt is a file/);
    expect(prepareDirectory('X', '/proc/x', dir).problem?.problem).toMatch(/creating \/proc\/x failed \(ENOENT\)/);
    expect(prepareDirectory('X', UNWRITABLE, dir).problem?.problem).toMatch(
      /expected a writable directory; writing a file in it failed \((EACCES|EROFS|EPERM)\)/,
    );
  });

  test('a file setting must be a readable regular file; only the baseline may be missing', () => {
    const what = { what: 'a file' };
    expect(checkFileSetting('X', undefined, dir, what)).toBeUndefined();
    expect(checkFileSetting('X', aFile, dir, what)).toBeUndefined();
    expect(checkFileSetting('X', 'nope.yaml', dir, what)?.problem).toMatch(/there is no file at .*nope\.yaml/);
    expect(checkFileSetting('X', 'nope.json', dir, { ...what, missingIsFine: true })).toBeUndefined();
    expect(checkFileSetting('X', aDir, dir, what)?.problem).toMatch(/is a directory, not a file/);
    expect(checkFileSetting('X', fifo, dir, what)?.problem).toMatch(/is not a regular file/);
    expect(checkFileSetting('X', UNREADABLE, dir, what)?.problem).toMatch(/is not readable \(EIO\)/);
  });

  test('a start file may be missing (it appears later), but its folder must exist, and the file, if there, be readable', () => {
    expect(checkStartFileSetting(undefined, dir)).toBeUndefined();
    expect(checkStartFileSetting(join(dir, 'start-later'), dir)).toBeUndefined();
    expect(checkStartFileSetting(aFile, dir)).toBeUndefined();
    expect(checkStartFileSetting(join(dir, 'nope', 'start'), dir)).toMatchObject({
      variable: 'READINESS_CAPACITY_START_FILE',
      value: join(dir, 'nope', 'start'),
      problem: expect.stringMatching(/existing folder; there is no directory at .*nope$/),
    });
    expect(checkStartFileSetting(join(aFile, 'start'), dir)?.problem).toMatch(/a-file\.txt is a file, not a directory/);
    expect(checkStartFileSetting(aDir, dir)?.problem).toMatch(/is a directory, not a file/);
  });
});

describe('bad paths end a run up front', () => {
  const fabric = (env: Record<string, string>) => runSuite({ project: 'fabric', envFile: broker.env, env, timeoutMs: 30000 });
  const local = (env: Record<string, string>) => runSuite({ project: 'local', env, timeoutMs: 30000 });

  test('READINESS_REPORTS_DIR under /proc (where a recursive mkdir never returns)', async () => {
    expectRefusedUpFront(await fabric({ READINESS_REPORTS_DIR: '/proc/x' }), 'READINESS_REPORTS_DIR', '/proc/x', /creating \/proc\/x failed/);
  });
  test('READINESS_REPORTS_DIR that is a file, or not writable', async () => {
    expectRefusedUpFront(await local({ READINESS_REPORTS_DIR: aFile }), 'READINESS_REPORTS_DIR', aFile, /expected a directory, but .* is a file/);
    expectRefusedUpFront(await fabric({ READINESS_REPORTS_DIR: UNWRITABLE }), 'READINESS_REPORTS_DIR', UNWRITABLE, /expected a writable directory/);
  });
  test('a JUnit file given on the command line under /proc', async () => {
    const r = await runSuite({ project: 'fabric', envFile: broker.env, timeoutMs: 30000, extraArgs: ['--outputFile.junit=/proc/x/junit.xml'] });
    expectRefusedUpFront(r, '--outputFile.junit', '/proc/x', /creating \/proc\/x failed/);
  });
  test('READINESS_BASELINE that is a directory or unreadable (a missing one is the first night, and runs)', async () => {
    expectRefusedUpFront(await fabric({ READINESS_BASELINE: aDir }), 'READINESS_BASELINE', aDir, /is a directory, not a file/);
    expectRefusedUpFront(await local({ READINESS_BASELINE: UNREADABLE }), 'READINESS_BASELINE', UNREADABLE, /is not readable/);
  });
  test('READINESS_WORKLOAD_FILE that is missing or a directory', async () => {
    expectRefusedUpFront(
      await fabric({ READINESS_WORKLOAD_FILE: join(dir, 'nope.yaml') }),
      'READINESS_WORKLOAD_FILE',
      join(dir, 'nope.yaml'),
      /there is no file/,
    );
    expectRefusedUpFront(await local({ READINESS_WORKLOAD_FILE: aDir }), 'READINESS_WORKLOAD_FILE', aDir, /is a directory/);
  });
  test('READINESS_HISTORY_DIR that is a file or a FIFO (a missing one is the first night, and runs)', async () => {
    expectRefusedUpFront(await fabric({ READINESS_HISTORY_DIR: aFile }), 'READINESS_HISTORY_DIR', aFile, /is a file, not a directory/);
    expectRefusedUpFront(await local({ READINESS_HISTORY_DIR: fifo }), 'READINESS_HISTORY_DIR', fifo, /is a special file, not a directory/);
  });
  test('EVENTSTREAM_ENV_FILE that is missing, a directory, or a FIFO (which a read would block on)', async () => {
    expectRefusedUpFront(await fabric({ EVENTSTREAM_ENV_FILE: join(dir, 'nope.env') }), 'EVENTSTREAM_ENV_FILE', join(dir, 'nope.env'), /there is no file/);
    expectRefusedUpFront(await fabric({ EVENTSTREAM_ENV_FILE: aDir }), 'EVENTSTREAM_ENV_FILE', aDir, /is a directory/);
    expectRefusedUpFront(await fabric({ EVENTSTREAM_ENV_FILE: fifo }), 'EVENTSTREAM_ENV_FILE', fifo, /is not a regular file/);
  });
  test('FABRIC_KAFKA_CA_FILE that is missing or unreadable', async () => {
    expectRefusedUpFront(await fabric({ FABRIC_KAFKA_CA_FILE: join(dir, 'nope.pem') }), 'FABRIC_KAFKA_CA_FILE', join(dir, 'nope.pem'), /there is no file/);
    expectRefusedUpFront(await fabric({ FABRIC_KAFKA_CA_FILE: UNREADABLE }), 'FABRIC_KAFKA_CA_FILE', UNREADABLE, /is not readable/);
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
