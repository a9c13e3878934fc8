// Checks every user-given path before a broker starts or a network stage runs: one line per problem, and never a hang.
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';
import { redact } from '../core/redact.js';
import type { Env } from './settings.js';

/** A path setting that cannot be used: the variable, its value, and what is wrong with it. */
export interface PathProblem {
  readonly variable: string;
  readonly value: string;
  readonly problem: string;
}

export function formatPathProblem(p: PathProblem): string {
  return `${p.variable}=${p.value}: ${p.problem}`;
}

/** Thrown where a path setting is read and found unusable; setups turn it into one line and an exit. */
export class PathSettingError extends Error {
  constructor(readonly problems: readonly PathProblem[]) {
    super(problems.map(formatPathProblem).join('\n'));
    this.name = 'PathSettingError';
  }
}

/** Where reports go when READINESS_REPORTS_DIR is not set. */
export const DEFAULT_REPORTS_DIR = 'reports';

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

function kindOf(path: string): 'missing' | 'directory' | 'file' | 'other' {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 'missing';
  return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
}

/**
 * Makes sure a directory for reports exists and takes a file, creating it one level at a time.
 * Never a recursive mkdir on an unchecked path: Node 20's loops forever under /proc, blocking even signals.
 */
export function prepareDirectory(
  variable: string,
  value: string,
  cwd: string,
): { dir: string; problem?: undefined } | { dir?: undefined; problem: PathProblem } {
  const dir = resolve(cwd, value);
  const fail = (problem: string) => ({ problem: { variable, value, problem } });
  const levels: string[] = [];
  for (let p = dir; p !== parse(p).root; p = dirname(p)) levels.unshift(p);
  for (const level of levels) {
    const kind = kindOf(level);
    if (kind === 'directory') continue;
    if (kind !== 'missing') return fail(`expected a directory, but ${level} is a ${kind === 'file' ? 'file' : 'special file'}`);
    try {
      mkdirSync(level);
    } catch (error) {
      return fail(`expected a directory that exists or can be created; creating ${level} failed (${errorCode(error)})`);
    }
  }
  // A write probe, since permissions alone do not tell (read-only mounts, /proc, ACLs).
  const probe = join(dir, `.readiness-write-probe-${process.pid}`);
  try {
    writeFileSync(probe, '');
  } catch (error) {
    return fail(`expected a writable directory; writing a file in it failed (${errorCode(error)})`);
  } finally {
    rmSync(probe, { force: true });
  }
  return { dir };
}

/** READINESS_REPORTS_DIR (default ./reports), prepared as above. */
export function prepareReportsDir(raw: string | undefined, cwd: string): ReturnType<typeof prepareDirectory> {
  return prepareDirectory('READINESS_REPORTS_DIR', raw?.trim() || DEFAULT_REPORTS_DIR, cwd);
}

/** A path setting that is set: where it points, and how to say what is wrong with it. Undefined when unset. */
function pathSetting(
  variable: string,
  raw: string | undefined,
  cwd: string,
  what: string,
): { path: string; fail: (problem: string) => PathProblem } | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  return { path: resolve(cwd, value), fail: (problem) => ({ variable, value, problem: `expected ${what}; ${problem}` }) };
}

/**
 * Checks a file setting: a regular file that can be read. `missingIs` says whether a missing file is a problem
 * (the nightly baseline is missing on the first night, by design).
 */
export function checkFileSetting(
  variable: string,
  raw: string | undefined,
  cwd: string,
  options: { what: string; missingIsFine?: boolean },
): PathProblem | undefined {
  const setting = pathSetting(variable, raw, cwd, options.what);
  if (!setting) return undefined;
  const { path: file, fail } = setting;
  const kind = kindOf(file);
  if (kind === 'missing') return options.missingIsFine ? undefined : fail(`there is no file at ${file}`);
  if (kind === 'directory') return fail(`${file} is a directory, not a file`);
  // A FIFO or device would block a read: only regular files are opened.
  if (kind === 'other') return fail(`${file} is not a regular file`);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    readSync(fd, Buffer.alloc(1), 0, 1, 0);
  } catch (error) {
    return fail(`${file} is not readable (${errorCode(error)})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return undefined;
}

/**
 * Checks a directory setting that is read, not written: a directory whose entries can be listed. A missing one is
 * fine when `missingIsFine` (the nightly history is empty on the first night, by design).
 */
export function checkReadableDirectorySetting(
  variable: string,
  raw: string | undefined,
  cwd: string,
  options: { what: string; missingIsFine?: boolean },
): PathProblem | undefined {
  const setting = pathSetting(variable, raw, cwd, options.what);
  if (!setting) return undefined;
  const { path: dir, fail } = setting;
  const kind = kindOf(dir);
  if (kind === 'missing') return options.missingIsFine ? undefined : fail(`there is no directory at ${dir}`);
  if (kind !== 'directory') return fail(`${dir} is a ${kind === 'file' ? 'file' : 'special file'}, not a directory`);
  try {
    readdirSync(dir);
  } catch (error) {
    return fail(`${dir} cannot be listed (${errorCode(error)})`);
  }
  return undefined;
}

/**
 * READINESS_CAPACITY_START_FILE appears later (an orchestrator writes it), so it may be missing; its folder must be
 * there and listable, and the path, if present, a readable file.
 */
export function checkStartFileSetting(raw: string | undefined, cwd: string): PathProblem | undefined {
  const variable = 'READINESS_CAPACITY_START_FILE';
  const setting = pathSetting(variable, raw, cwd, 'a file (to appear) in an existing folder, holding the start time');
  if (!setting) return undefined;
  const folder = checkReadableDirectorySetting(variable, dirname(setting.path), cwd, { what: 'a file (to appear) in an existing folder' });
  if (folder) return { ...folder, value: raw?.trim() ?? '' };
  return checkFileSetting(variable, raw, cwd, { what: 'a readable file holding the start time', missingIsFine: true });
}

/** The path settings a check run reads (after the .env file is merged in). */
export function checkRunPaths(env: Env, cwd: string): PathProblem[] {
  const problems = [
    checkFileSetting('READINESS_BASELINE', env.READINESS_BASELINE, cwd, {
      what: "the previous run's readiness.json (a missing file means no baseline yet)",
      missingIsFine: true,
    }),
    checkFileSetting('READINESS_WORKLOAD_FILE', env.READINESS_WORKLOAD_FILE, cwd, { what: 'a readable YAML or JSON workload profile' }),
    checkReadableDirectorySetting('READINESS_HISTORY_DIR', env.READINESS_HISTORY_DIR, cwd, {
      what: 'a directory of earlier readiness.json files (a missing one means no history yet)',
      missingIsFine: true,
    }),
    checkFileSetting('FABRIC_KAFKA_CA_FILE', env.FABRIC_KAFKA_CA_FILE, cwd, { what: 'the path of a readable PEM file with CA certificates' }),
    checkStartFileSetting(env.READINESS_CAPACITY_START_FILE, cwd),
  ];
  return problems.filter((p): p is PathProblem => p !== undefined);
}

/** Prints one line per problem and ends the process: nothing has started yet that would need cleaning up. */
export function exitOnPathProblems(problems: readonly PathProblem[]): void {
  if (problems.length === 0) return;
  for (const line of pathProblemLines(problems)) process.stderr.write(`${line}\n`);
  process.exit(2);
}

/** One line per problem, as a refused run prints them. */
export function pathProblemLines(problems: readonly PathProblem[]): string[] {
  return problems.map((p) => `[readiness] ${redact(formatPathProblem(p))}`);
}
