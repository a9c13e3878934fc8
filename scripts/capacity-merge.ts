// `npm run capacity:merge -- <files or folders...>`: merges capacity shards (readiness-shard-<i>.json) into one
// verdict, written into readiness.json, .md and .html of READINESS_REPORTS_DIR (added to a readiness.json already
// there). Exit 0 when the target was reached with every shard present, 1 when not, 2 on bad input.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mergeShards, parseShardFile, readMergePolicy, type MergePolicy } from '../support/capacity/merge.js';
import type { CapacityReport, ShardFile } from '../support/capacity/model.js';
import { capacityOnlyReport, withCapacity } from '../support/report/capacity.js';
import { loadEnvironment } from '../support/inputs/env-file.js';
import { exitOnPathProblems, PathSettingError, prepareReportsDir } from '../support/inputs/paths.js';
import { renderMarkdown } from '../support/report/render.js';
import { parseReport, type ReadinessReport } from '../support/report/model.js';
import { writeReportFile } from '../support/report/write.js';
import { SettingError } from '../support/inputs/settings.js';
import { OTLP_ENDPOINT_VARIABLES, readMonitoringSettings, type MonitoringSettings } from '../support/inputs/monitoring.js';
import { preloadOtlp, pushRunMetrics } from '../support/monitoring/push.js';
import { withMonitoring } from '../support/report/build.js';

const USAGE = 'usage: npm run capacity:merge -- [--shards N] [--into readiness.json] <readiness-shard-*.json files or folders holding them>';
const SHARD_FILE = /^readiness-shard-\d+\.json$/;

function fail(message: string): never {
  process.stderr.write(`[capacity] ${message}\n`);
  process.exit(2);
}

/** Files named on the command line, and every readiness-shard-<i>.json under folders named (artifact downloads nest them). */
function shardFiles(args: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && depth < 4) walk(path, depth + 1);
      else if (entry.isFile() && SHARD_FILE.test(entry.name)) found.push(path);
    }
  };
  for (const arg of args) {
    const path = resolve(arg);
    if (!existsSync(path)) fail(`${arg}: no such file or folder (${USAGE})`);
    if (statSync(path).isDirectory()) walk(path, 0);
    else found.push(path);
  }
  return [...new Set(found)].sort();
}

function parseArgs(argv: readonly string[]): { inputs: string[]; shards?: number; into?: string } {
  const inputs: string[] = [];
  let shards: number | undefined;
  let into: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--shards') {
      shards = Number(argv[++i]);
      if (!Number.isInteger(shards) || shards < 1 || shards > 1000) fail(`--shards: expected an integer from 1 to 1000, got ${JSON.stringify(argv[i])}`);
    } else if (a === '--into') {
      into = argv[++i];
      if (!into) fail(`--into: expected the path of a readiness.json`);
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (a.startsWith('--')) fail(`unknown option ${a} (${USAGE})`);
    else inputs.push(a);
  }
  if (inputs.length === 0) fail(`no shard files given (${USAGE})`);
  return { inputs, shards, into };
}

type Args = ReturnType<typeof parseArgs>;

/** The targets may come from .env (or EVENTSTREAM_ENV_FILE) like every READINESS_* setting; the environment wins. */
function readPolicy(args: Args): MergePolicy {
  try {
    return { ...readMergePolicy(loadEnvironment({ cwd: process.cwd(), env: process.env }).env), expected: args.shards };
  } catch (error) {
    if (error instanceof SettingError || error instanceof PathSettingError) fail(error.message);
    throw error;
  }
}

function reportsDir(): string {
  const reports = prepareReportsDir(process.env.READINESS_REPORTS_DIR, process.cwd());
  if (reports.problem) exitOnPathProblems([reports.problem]);
  return reports.dir ?? resolve('reports');
}

/** The shard files that parse, and those that do not, with the reason (named in the verdict, not fatal). */
function readShards(files: readonly string[]): { shards: ShardFile[]; unreadable: Array<{ file: string; error: string }> } {
  const shards: ShardFile[] = [];
  const unreadable: Array<{ file: string; error: string }> = [];
  for (const file of files) {
    try {
      shards.push(parseShardFile(readFileSync(file, 'utf8'), file));
    } catch (error) {
      unreadable.push({ file, error: (error as Error).message });
    }
  }
  return { shards, unreadable };
}

/** Added to an existing readiness.json (--into, or the one in the reports folder), else a report of its own. */
function reportWith(capacity: CapacityReport, args: Args, dir: string, profileOfShards: string | undefined): { report: ReadinessReport; outBase: string } {
  const target = args.into ? resolve(args.into) : join(dir, 'readiness.json');
  const outBase = args.into ? target.replace(/\.json$/, '') : join(dir, 'readiness');
  if (existsSync(target)) {
    try {
      return { report: withCapacity(parseReport(readFileSync(target, 'utf8'), target, args.into ? '--into' : 'readiness.json'), capacity), outBase };
    } catch (error) {
      fail((error as Error).message);
    }
  }
  if (args.into) fail(`--into ${args.into}: no such file`);
  return { report: capacityOnlyReport(capacity, profileOfShards === 'local' ? 'local' : 'fabric'), outBase };
}

/** readiness.json, .md and .html beside each other, and the GitHub job summary; true when all were written. */
async function writeReports(outBase: string, report: ReadinessReport): Promise<boolean> {
  const verdict = report.verdict.toUpperCase();
  const markdown = renderMarkdown(report);
  const { renderHtml } = await import('../support/report/html.js');
  return [
    writeReportFile(`${outBase}.json`, `${JSON.stringify(report, null, 2)}\n`, { verdict }),
    writeReportFile(`${outBase}.md`, markdown, { verdict }),
    writeReportFile(`${outBase}.html`, await renderHtml(report), { verdict }),
    !process.env.GITHUB_STEP_SUMMARY || writeReportFile(process.env.GITHUB_STEP_SUMMARY, `${markdown}\n`, { append: true, verdict }),
  ].every(Boolean);
}

function printSummary(c: CapacityReport, ok: boolean, outBase: string): void {
  const all = c.allSending
    ? `${c.allSending.eventsPerSec} events/s, ${c.allSending.mbPerSec} MB/s over ${c.allSending.seconds} s with all shards sending`
    : 'no window with all shards sending';
  process.stdout.write(
    `[capacity] ${c.shardsMerged.length} of ${c.shardsExpected} shard(s) merged: ${c.totals.acknowledged} acknowledged, ${c.totals.failed} failed; ${all}; ` +
      `ack p99 ${c.ackLatency.p99 ?? 'n/a'} ms\n[capacity] ${c.levelNeeded.note}\n`,
  );
  for (const r of c.reasons) process.stdout.write(`[capacity] FAIL: ${r}\n`);
  for (const w of c.warnings) process.stdout.write(`[capacity] warning: ${w}\n`);
  process.stdout.write(
    `[capacity] verdict ${c.verdict === 'pass' ? 'PASS' : 'ACTION REQUIRED'}; report ${ok ? 'written to' : 'NOT fully written to'} ${outBase}.json, .md and .html\n`,
  );
}

/**
 * READINESS_PUSHGATEWAY_URL and READINESS_PUSH_TIMEOUT_MS from .env or the environment, like the targets; the OTLP
 * endpoint from the environment only (the OpenTelemetry SDK reads it there). A bad URL is bad input.
 */
function readMonitoring(): MonitoringSettings {
  const env = loadEnvironment({ cwd: process.cwd(), env: process.env }).env;
  const otlp = Object.fromEntries(OTLP_ENDPOINT_VARIABLES.map((v) => [v, process.env[v]]));
  const { settings, problems } = readMonitoringSettings({ ...env, ...otlp });
  if (problems[0]) fail(problems[0].message);
  return settings;
}

/** Pushes the merged verdict once (profile `capacity`) where a destination is set; a failed push is a warning in the report, never the exit code. */
async function pushMerged(report: ReadinessReport, settings: MonitoringSettings): Promise<ReadinessReport> {
  const outcome = await pushRunMetrics(report, {
    settings,
    env: process.env,
    profile: 'capacity',
    durationSeconds: process.uptime(),
    endedAt: new Date(),
    say: (line) => process.stderr.write(`[capacity] ${line}\n`),
  });
  return withMonitoring(report, outcome);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const policy = readPolicy(args);
  const monitoring = readMonitoring();
  preloadOtlp(monitoring);
  const dir = reportsDir();
  const { shards, unreadable } = readShards(shardFiles(args.inputs));
  const capacity = mergeShards(shards, unreadable, policy);
  const { report, outBase } = reportWith(capacity, args, dir, shards[0]?.profile);
  const ok = await writeReports(outBase, await pushMerged(report, monitoring));
  printSummary(capacity, ok, outBase);
  process.exitCode = capacity.verdict === 'pass' && ok ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`[capacity] merge failed: ${(error as Error).message}\n`);
  process.exit(2);
});
