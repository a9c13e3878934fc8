// Every user-given path is checked before a broker starts or a network stage runs: the checks themselves, in-process.
// One child run per place a run can stop on a path (tests/e2e/paths.test.ts) proves each is wired; the cases are here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { loadEnvironment } from '../../../support/inputs/env-file.js';
import { registerSecret } from '../../../support/core/redact.js';
import {
  checkFileSetting,
  checkRunPaths,
  checkStartFileSetting,
  exitOnPathProblems,
  PathSettingError,
  prepareDirectory,
  prepareReportsDir,
  type PathProblem,
} from '../../../support/inputs/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'readiness-paths-unit-'));
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
/** A check on a path must answer at once, whatever the path is (a FIFO, /proc): never a blocking read or an endless mkdir. */
const BOUND_MS = 2000;

/** Times a path check: it must return, not hang. */
function timed<T>(check: () => T): T {
  const start = performance.now();
  const result = check();
  expect(performance.now() - start).toBeLessThan(BOUND_MS);
  return result;
}

/** The line a run prints for a problem, as exitOnPathProblems writes it: what tests/e2e/paths.test.ts reads from a child run. */
function expectProblem(p: PathProblem | undefined, variable: string, value: string, problem: RegExp): void {
  expect(p, `expected a problem with ${variable}=${value}`).toBeDefined();
  expect(p).toMatchObject({ variable, value });
  expect(p?.problem).toMatch(problem);
}

describe('the path checks', () => {
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

  test('READINESS_REPORTS_DIR under /proc (where a recursive mkdir never returns), a file, or not writable', () => {
    expectProblem(
      timed(() => prepareReportsDir('/proc/x', dir).problem),
      'READINESS_REPORTS_DIR',
      '/proc/x',
      /creating \/proc\/x failed/,
    );
    expectProblem(prepareReportsDir(aFile, dir).problem, 'READINESS_REPORTS_DIR', aFile, /expected a directory, but .* is a file/);
    expectProblem(prepareReportsDir(UNWRITABLE, dir).problem, 'READINESS_REPORTS_DIR', UNWRITABLE, /expected a writable directory/);
  });

  test('a file setting must be a readable regular file; only the baseline may be missing', () => {
    const what = { what: 'a file' };
    expect(checkFileSetting('X', undefined, dir, what)).toBeUndefined();
    expect(checkFileSetting('X', aFile, dir, what)).toBeUndefined();
    expect(checkFileSetting('X', 'nope.yaml', dir, what)?.problem).toMatch(/there is no file at .*nope\.yaml/);
    expect(checkFileSetting('X', 'nope.json', dir, { ...what, missingIsFine: true })).toBeUndefined();
    expect(checkFileSetting('X', aDir, dir, what)?.problem).toMatch(/is a directory, not a file/);
    expect(timed(() => checkFileSetting('X', fifo, dir, what))?.problem).toMatch(/is not a regular file/);
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

describe("the paths a check run reads (checkRunPaths, called by both profiles' global setup)", () => {
  const only = (variable: string, value: string) => timed(() => checkRunPaths({ [variable]: value }, dir));

  test('nothing set, or a baseline and history that are missing (the first night): no problem', () => {
    expect(checkRunPaths({}, dir)).toEqual([]);
    expect(checkRunPaths({ READINESS_BASELINE: join(dir, 'nope.json'), READINESS_HISTORY_DIR: join(dir, 'no-history') }, dir)).toEqual([]);
  });

  test('READINESS_BASELINE that is a directory or unreadable', () => {
    expectProblem(only('READINESS_BASELINE', aDir)[0], 'READINESS_BASELINE', aDir, /is a directory, not a file/);
    expectProblem(only('READINESS_BASELINE', UNREADABLE)[0], 'READINESS_BASELINE', UNREADABLE, /is not readable/);
  });

  test('READINESS_WORKLOAD_FILE that is missing or a directory', () => {
    const missing = join(dir, 'nope.yaml');
    expectProblem(only('READINESS_WORKLOAD_FILE', missing)[0], 'READINESS_WORKLOAD_FILE', missing, /there is no file/);
    expectProblem(only('READINESS_WORKLOAD_FILE', aDir)[0], 'READINESS_WORKLOAD_FILE', aDir, /is a directory/);
  });

  test('READINESS_HISTORY_DIR that is a file or a FIFO', () => {
    expectProblem(only('READINESS_HISTORY_DIR', aFile)[0], 'READINESS_HISTORY_DIR', aFile, /is a file, not a directory/);
    expectProblem(only('READINESS_HISTORY_DIR', fifo)[0], 'READINESS_HISTORY_DIR', fifo, /is a special file, not a directory/);
  });

  test('FABRIC_KAFKA_CA_FILE that is missing or unreadable', () => {
    const missing = join(dir, 'nope.pem');
    expectProblem(only('FABRIC_KAFKA_CA_FILE', missing)[0], 'FABRIC_KAFKA_CA_FILE', missing, /there is no file/);
    expectProblem(only('FABRIC_KAFKA_CA_FILE', UNREADABLE)[0], 'FABRIC_KAFKA_CA_FILE', UNREADABLE, /is not readable/);
  });

  test('every problem at once, one each, in a fixed order', () => {
    const problems = checkRunPaths(
      {
        READINESS_BASELINE: aDir,
        READINESS_WORKLOAD_FILE: aDir,
        READINESS_HISTORY_DIR: aFile,
        FABRIC_KAFKA_CA_FILE: aDir,
        READINESS_CAPACITY_START_FILE: aDir,
      },
      dir,
    );
    expect(problems.map((p) => p.variable)).toEqual([
      'READINESS_BASELINE',
      'READINESS_WORKLOAD_FILE',
      'READINESS_HISTORY_DIR',
      'FABRIC_KAFKA_CA_FILE',
      'READINESS_CAPACITY_START_FILE',
    ]);
  });
});

describe('EVENTSTREAM_ENV_FILE, read by the fabric profile before anything else', () => {
  const problemOf = (value: string): PathProblem | undefined => {
    try {
      timed(() => loadEnvironment({ cwd: dir, env: { EVENTSTREAM_ENV_FILE: value } }));
    } catch (error) {
      if (error instanceof PathSettingError) return error.problems[0];
      throw error;
    }
    return undefined;
  };

  test('missing, a directory, or a FIFO (which a read would block on): a PathSettingError naming it', () => {
    const missing = join(dir, 'nope.env');
    expectProblem(problemOf(missing), 'EVENTSTREAM_ENV_FILE', missing, /there is no file/);
    expectProblem(problemOf(aDir), 'EVENTSTREAM_ENV_FILE', aDir, /is a directory/);
    expectProblem(problemOf(fifo), 'EVENTSTREAM_ENV_FILE', fifo, /is not a regular file/);
  });
});

describe('exitOnPathProblems: one line per problem, redacted, then exit 2', () => {
  class Exited extends Error {}
  afterEach(() => vi.restoreAllMocks());

  /** What the process would print and its exit code, with process.exit stopped from ending the test run. */
  function exitOf(problems: readonly PathProblem[]): { lines: string[]; code?: number } {
    const lines: string[] = [];
    let code: number | undefined;
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    vi.spyOn(process, 'exit').mockImplementation((c?: string | number | null) => {
      code = Number(c);
      throw new Exited();
    });
    try {
      exitOnPathProblems(problems);
    } catch (error) {
      if (!(error instanceof Exited)) throw error;
    }
    vi.restoreAllMocks();
    return { lines, code };
  }

  test('no problem: nothing printed, the process goes on', () => {
    expect(exitOf([])).toEqual({ lines: [], code: undefined });
  });

  test('each problem is one "[readiness] VARIABLE=value: problem" line, and the exit code is 2', () => {
    const problems = checkRunPaths({ READINESS_BASELINE: aDir, READINESS_WORKLOAD_FILE: join(dir, 'nope.yaml') }, dir);
    const { lines, code } = exitOf(problems);
    expect(code).toBe(2);
    expect(lines).toEqual([
      `[readiness] READINESS_BASELINE=${aDir}: expected the previous run's readiness.json (a missing file means no baseline yet); ${aDir} is a directory, not a file\n`,
      expect.stringMatching(new RegExp(`^\\[readiness\\] READINESS_WORKLOAD_FILE=${join(dir, 'nope.yaml')}: .*there is no file at .*\\n$`)),
    ]);
  });

  test('a secret in a path is not printed', () => {
    const secret = `SharedAccessKey=${'s'.repeat(20)}in-a-path`;
    registerSecret(secret);
    const { lines } = exitOf([{ variable: 'READINESS_BASELINE', value: join(dir, secret), problem: 'expected a file' }]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secret);
  });
});
