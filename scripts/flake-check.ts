// Runs the suite N times in a row (default 20) and prints passes, failures and the slowest run; optionally with a CPU hog.
// Usage: npm run flake-check -- [runs] [--project local|unit|e2e|self|both] [--hog]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSuite, type SuiteProject } from '../support/dev/run-suite.js';

/** `self` is the project's own tests (unit and e2e); `both` adds the local checks. */
const PROJECTS: Record<string, readonly SuiteProject[]> = {
  local: ['local'],
  unit: ['unit'],
  e2e: ['e2e'],
  self: ['unit', 'e2e'],
  both: ['unit', 'e2e', 'local'],
};

function usage(problem: string): never {
  process.stderr.write(`flake-check: ${problem}\nUsage: npm run flake-check -- [runs] [--project local|unit|e2e|self|both] [--hog]\n`);
  process.exit(2);
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { project: { type: 'string', default: 'local' }, hog: { type: 'boolean', default: false } } });
  } catch (error) {
    return usage((error as Error).message);
  }
  const raw = parsed.positionals[0] ?? process.env.FLAKE_RUNS ?? '20';
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1) usage(`expected a positive whole number of runs, got ${JSON.stringify(raw)}`);
  const projects = PROJECTS[parsed.values.project];
  if (!projects) usage(`--project: expected one of ${Object.keys(PROJECTS).join(', ')}, got ${JSON.stringify(parsed.values.project)}`);
  return { runs, projects, label: parsed.values.project, hog: parsed.values.hog };
}

/** A busy loop in a child process: holds one of the machine's cores for as long as the check runs. */
function startHog(): ChildProcess {
  const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  const stop = () => hog.kill('SIGKILL');
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop();
      process.exit(130);
    });
  }
  return hog;
}

const { runs, projects, label, hog: withHog } = options();
const hog = withHog ? startHog() : undefined;
if (hog) process.stdout.write(`CPU hog running (pid ${hog.pid}): one core busy-looping for the whole check\n`);
// A self run holds many suite runs of its own; give it far longer than a local run.
const timeoutMs = projects.includes('e2e') ? 1_200_000 : 180_000;

let passed = 0;
const durations: number[] = [];
const failures: string[] = [];
for (let i = 1; i <= runs; i++) {
  const r = await runSuite({ project: projects, timeoutMs });
  const s = Math.round(r.durationMs / 100) / 10;
  durations.push(s);
  const failed = r.cases.filter((c) => c.status === 'fail');
  const leftovers = [...r.leftoverFiles, ...r.leftoverProcesses];
  const ok = r.code === 0 && leftovers.length === 0;
  if (ok) passed++;
  else
    failures.push(
      `run ${i}: exit ${r.code ?? r.signal}; failed: ${failed.map((c) => `${c.name} (${(c.failureMessage ?? '').split('\n')[0]})`).join('; ') || 'none'}${leftovers.length ? `; left behind: ${leftovers.join(', ')}` : ''}`,
    );
  const counts = `${r.cases.filter((c) => c.status === 'pass').length} passed, ${failed.length} failed`;
  process.stdout.write(`run ${i}/${runs} (${label}${hog ? ', CPU hog' : ''}): ${ok ? 'pass' : 'FAIL'} in ${s} s (${counts})\n`);
  // A failure is said at once, whole, and its JUnit kept: the run is long, and the cause must not wait for the end.
  if (!ok) {
    process.stdout.write(`${failures[failures.length - 1] ?? ''}\n`);
    for (const c of failed) process.stdout.write(`--- ${c.name}\n${c.failureMessage ?? ''}\n`);
    const kept = join(process.cwd(), 'reports', `flake-run-${i}-junit.xml`);
    mkdirSync(dirname(kept), { recursive: true });
    writeFileSync(kept, r.junitXml);
    process.stdout.write(`JUnit of run ${i} kept in ${kept}\n`);
  }
}
hog?.kill('SIGKILL');
const slowest = Math.max(...durations);
const median = [...durations].sort((a, b) => a - b)[Math.floor(runs / 2)];
process.stdout.write(
  `\n${label}${hog ? ' with a CPU hog' : ''}: ${passed} of ${runs} runs passed, ${runs - passed} failed; slowest run ${slowest} s (run ${durations.indexOf(slowest) + 1}); median ${median} s\n`,
);
for (const f of failures) process.stdout.write(`${f}\n`);
process.exit(passed === runs ? 0 : 1);
