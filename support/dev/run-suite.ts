// Runs the suite as a user or a pipeline does (`vitest run --project X` in a child process), bounded, for the self tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { ourContainers } from '../core/cleanup.js';
import { PROJECT_ROOT } from '../core/project-root.js';
import { parseJUnit, type JUnitCase } from './junit.js';
import { CHECK_ID } from '../record/ids.js';
import type { ReadinessReport } from '../report/model.js';

export { PROJECT_ROOT };
const VITEST = join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs');

export interface SuiteRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly junitXml: string;
  readonly cases: JUnitCase[];
  readonly durationMs: number;
  /** performance.now() when the child closed (to time how fast it ended after a signal). */
  readonly closedAt: number;
  /** reports/readiness.json of the run, parsed, if it was written. */
  readonly readiness?: ReadinessReport;
  readonly readinessMd: string;
  /** reports/readiness.html of the run, if it was written. */
  readonly readinessHtml: string;
  /** Everything the run wrote, for secret scans. */
  readonly allOutput: string;
  /** Our entries (eventstream-readiness-*) left in the run's own TMPDIR after it ended: should be none. */
  readonly leftoverFiles: string[];
  /** Processes still running whose command line mentions the run's TMPDIR (a broker left behind), or in the run's process group. */
  readonly leftoverProcesses: string[];
  /** Containers (running or stopped) labelled with the run's TMPDIR, i.e. started by the run and not removed. */
  readonly leftoverContainers: string[];
}

/** Command lines of live processes that mention `needle` (Linux /proc; empty elsewhere). */
export function processesMentioning(needle: string): string[] {
  if (!existsSync('/proc')) return [];
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) found.push(`${pid}: ${cmd.slice(0, 200)}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

export type SuiteProject = 'fabric' | 'local' | 'unit' | 'e2e';

export interface RunSuiteOptions {
  /** One project, or several run together (`--project unit --project e2e --project local`, as npm test does). */
  readonly project: SuiteProject | readonly SuiteProject[];
  /** Endpoint variables; written to an env file passed with EVENTSTREAM_ENV_FILE, so a developer's .env never leaks in. */
  readonly envFile?: Record<string, string>;
  /** Other environment variables for the child (READINESS_*, LOCAL_BROKER ...). */
  readonly env?: Record<string, string>;
  /** Hard bound: the child's process group is killed after this. */
  readonly timeoutMs: number;
  readonly extraArgs?: readonly string[];
  /** Reports go here (kept after the run) instead of a temp dir removed with it. */
  readonly reportsDir?: string;
  /** Called once the child runs, e.g. to interrupt it. */
  readonly onStart?: (child: ChildProcess) => void;
}

/** Environment of the parent without FABRIC_ or READINESS_ variables, so runs are reproducible. */
function cleanEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(FABRIC_|READINESS_|EVENTSTREAM_ENV_FILE|GITHUB_STEP_SUMMARY|VITEST|NODE_ENV|TEST$)/.test(k)) out[k] = v;
  }
  return out;
}

/** Live processes in process group `pgid` (a run's Vitest workers share the run's group). */
export function processesInGroup(pgid: number): string[] {
  if (!existsSync('/proc')) return [];
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // Fields after the parenthesised command name: state, ppid, pgrp.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z')
        found.push(`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 200)}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/**
 * What `find` still lists after up to `graceMs`: a watchdog polls every 500 ms and workers exit when their
 * parent's channel closes, so they need a moment to go.
 */
async function stillThere(find: () => string[], graceMs: number): Promise<string[]> {
  let found = find();
  for (const end = Date.now() + graceMs; found.length > 0 && Date.now() < end; found = find()) {
    await sleep(250);
  }
  return found;
}

/** Processes mentioning `needle` that are still alive after up to `graceMs`. */
export async function processesStillMentioning(needle: string, graceMs = 5000): Promise<string[]> {
  return stillThere(() => processesMentioning(needle), graceMs);
}

/**
 * The check ids a full check run reports (either profile, not a capacity shard): every id in CHECK_ID except the
 * capacity ones (only a shard run or `npm run capacity:merge` reports them) and, for now, the control plane's
 * eventstream.* ones, whose checks are still being added; checkIdsOf leaves those out of a run too.
 */
export const FULL_RUN_CHECK_IDS: readonly string[] = Object.values(CHECK_ID)
  .filter((id) => !id.startsWith('capacity.') && !id.startsWith('eventstream.'))
  .sort();

/**
 * The readiness checks a healthy run reports as not run when it has no earlier runs to read (READINESS_BASELINE and
 * READINESS_HISTORY_DIR unset), each with its reason.
 */
export const NOT_RUN_ON_A_FIRST_RUN: readonly string[] = [
  CHECK_ID.monitoringDefined,
  CHECK_ID.regressionChecks,
  CHECK_ID.regressionPerformance,
  CHECK_ID.trend,
].sort();

/** What a healthy first run passes: every other check of a full run. */
export const PASSED_ON_A_FIRST_RUN: readonly string[] = FULL_RUN_CHECK_IDS.filter((id) => !NOT_RUN_ON_A_FIRST_RUN.includes(id));

/** The check ids of a run's readiness report, sorted, without the control plane's eventstream.* ones (see FULL_RUN_CHECK_IDS). */
export function checkIdsOf(run: SuiteRun, status?: 'Pass' | 'Action Required' | 'Not Run'): string[] {
  return (run.readiness?.checks ?? [])
    .filter((c) => status === undefined || c.status === status)
    .map((c) => c.id)
    .filter((id) => !id.startsWith('eventstream.'))
    .sort();
}

/**
 * A child run started the first time a test asks for it and shared by every later test of the file: each test awaits
 * it itself, so any one of them run alone (`-t`) still has it, and none depends on another having run first.
 */
export function sharedRun(options: RunSuiteOptions): () => Promise<SuiteRun> {
  let run: Promise<SuiteRun> | undefined;
  return () => (run ??= runSuite(options));
}

/** The failed test cases of a run, each with the start of its failure message: what an assertion on the exit code should show. */
export function failuresOf(run: SuiteRun): string {
  const failed = run.cases.filter((c) => c.status === 'fail');
  if (failed.length === 0) return `no failed test case; exit ${run.code ?? run.signal}; stderr ends: ${run.stderr.slice(-1500)}`;
  return failed.map((c) => `${c.name}: ${(c.failureMessage ?? '').slice(0, 600)}`).join('\n');
}

/** Runs `action` once, the first time the child's stderr has matched `pattern` (a line the suite prints). */
export function onceStderrMatches(child: ChildProcess, pattern: RegExp, action: () => void): void {
  let buffered = '';
  let done = false;
  child.stderr?.on('data', (chunk: Buffer) => {
    if (done) return;
    buffered += chunk.toString();
    if (pattern.test(buffered)) {
      done = true;
      action();
    }
  });
}

/** The endpoint variables as an env file the child reads (EVENTSTREAM_ENV_FILE), owner-only. */
function writeEndpointFile(dir: string, vars: Record<string, string> | undefined): string {
  const envFile = join(dir, 'endpoint.env');
  // A consumer group of its own per run: runs sharing a broker must not split each other's partitions.
  const endpointEnv = { ...vars };
  if (endpointEnv.FABRIC_CONSUMER_GROUP) endpointEnv.FABRIC_CONSUMER_GROUP = `readiness-${randomBytes(6).toString('hex')}`;
  const lines = Object.entries(endpointEnv).map(([k, v]) => `${k}='${v}'`);
  writeFileSync(envFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  return envFile;
}

/** What the run wrote: JUnit and the readiness reports, empty where a file is missing. */
function readReports(reportsDir: string, junitFile: string) {
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  return {
    junitXml: read(junitFile),
    json: read(join(reportsDir, 'readiness.json')),
    readinessMd: read(join(reportsDir, 'readiness.md')),
    readinessHtml: read(join(reportsDir, 'readiness.html')),
  };
}

export async function runSuite(options: RunSuiteOptions): Promise<SuiteRun> {
  const dir = mkdtempSync(join(tmpdir(), 'eventstream-readiness-run-'));
  try {
    // JUnit follows READINESS_REPORTS_DIR like every other report.
    const reportsDir = options.reportsDir ?? join(dir, 'reports');
    const junitFile = join(reportsDir, 'junit.xml');
    const envFile = writeEndpointFile(dir, options.envFile);
    const projects = typeof options.project === 'string' ? [options.project] : options.project;
    const args = [VITEST, 'run', ...projects.flatMap((p) => ['--project', p]), ...(options.extraArgs ?? [])];
    const start = performance.now();
    // A TMPDIR of its own, so whatever the run leaves behind can be seen.
    const runTmp = join(dir, 'tmp');
    mkdirSync(runTmp);
    const child = spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      env: { ...cleanEnv(), EVENTSTREAM_ENV_FILE: envFile, READINESS_REPORTS_DIR: reportsDir, TMPDIR: runTmp, FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    options.onStart?.(child);
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        /* gone */
      }
    }, options.timeoutMs);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('close', (c, s) => r([c, s])));
    clearTimeout(timer);
    const closedAt = performance.now();
    const durationMs = closedAt - start;
    const pgid = child.pid ?? 0;
    const leftoverProcesses = await stillThere(() => [...processesMentioning(runTmp), ...(pgid ? processesInGroup(pgid) : [])], 5000);
    // A watchdog removes its container within about a second of seeing its runner gone.
    const leftoverContainers = await stillThere(() => ourContainers(runTmp), 5000);
    // Vitest keeps a module cache of its own in TMPDIR (and leaves it on Ctrl-C): only our dirs are judged.
    const leftoverFiles = readdirSync(runTmp).filter((f) => f.startsWith('eventstream-readiness-'));
    const { junitXml, json, readinessMd, readinessHtml } = readReports(reportsDir, junitFile);
    return {
      code,
      signal,
      stdout,
      stderr,
      junitXml,
      cases: parseJUnit(junitXml),
      durationMs,
      closedAt,
      readiness: json ? (JSON.parse(json) as ReadinessReport) : undefined,
      readinessMd,
      readinessHtml,
      allOutput: [stdout, stderr, junitXml, json, readinessMd, readinessHtml].join('\n'),
      leftoverFiles,
      leftoverProcesses,
      leftoverContainers,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
