// Runs Prometheus' own promtool (Debian's `prometheus` package) for the self tests of the shipped alert rules.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** How to get promtool (.ci/run does this). */
export const PROMTOOL_INSTALL = 'apt-get install -y prometheus';

/** A promtool run seldom takes a second; this bounds one that hangs on a busy machine. */
export const PROMTOOL_TIMEOUT_MS = 20000;

/** promtool on the PATH (Debian puts it in /usr/bin), or undefined. */
export function findPromtool(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  return dirs.map((dir) => join(dir, 'promtool')).find((path) => existsSync(path));
}

/** What to say when promtool is missing: the install command, and that CI must have it. */
export const PROMTOOL_MISSING = `promtool not found on the PATH: install it with \`${PROMTOOL_INSTALL}\` (Debian's Prometheus package ships it)`;

/**
 * For a test: the path of promtool; when it is missing, skips with the install command, or under CI=true throws
 * (the alert rules must be proven in CI, not skipped).
 */
export function requirePromtool(skip: (note: string) => void, env: NodeJS.ProcessEnv = process.env): string {
  const promtool = findPromtool(env);
  if (promtool) return promtool;
  if (env.CI === 'true') throw new Error(`${PROMTOOL_MISSING}. Under CI=true the alert rules must be tested, not skipped.`);
  skip(PROMTOOL_MISSING);
  return '';
}

export interface PromtoolResult {
  /** promtool's exit code; undefined when it was killed at the deadline. */
  readonly code: number | undefined;
  /** Its stdout and stderr together, with a line saying so when the deadline ended it. */
  readonly output: string;
}

/** Runs `promtool <args>` in cwd, bounded by timeoutMs; never rejects, the exit code says how it went. */
export function runPromtool(promtool: string, args: readonly string[], options: { cwd: string; timeoutMs?: number }): Promise<PromtoolResult> {
  const timeoutMs = options.timeoutMs ?? PROMTOOL_TIMEOUT_MS;
  return new Promise((resolve) => {
    execFile(promtool, args, { cwd: options.cwd, timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (!error) return resolve({ code: 0, output });
      if (error.killed) return resolve({ code: undefined, output: `${output}\npromtool ${args.join(' ')} did not finish within ${timeoutMs} ms` });
      resolve({
        code: typeof error.code === 'number' ? error.code : undefined,
        output: `${output}${typeof error.code === 'number' ? '' : `\n${error.message}`}`,
      });
    });
  });
}
