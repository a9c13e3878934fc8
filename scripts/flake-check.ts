// Runs `vitest run --project local` N times in a row (default 20) and prints passes, failures and the slowest run.
import { runSuite } from '../support/self/run-suite.js';

const runs = Number(process.argv[2] ?? process.env.FLAKE_RUNS ?? 20);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`flake-check: expected a positive whole number of runs, got ${JSON.stringify(process.argv[2])}\n`);
  process.exit(2);
}
let passed = 0;
const durations: number[] = [];
const failures: string[] = [];
for (let i = 1; i <= runs; i++) {
  const r = await runSuite({ project: 'local', timeoutMs: 180000 });
  const s = Math.round(r.durationMs / 100) / 10;
  durations.push(s);
  const failed = r.cases.filter((c) => c.status === 'fail');
  const leftovers = [...r.leftoverFiles, ...r.leftoverProcesses];
  if (r.code === 0 && leftovers.length === 0) passed++;
  else failures.push(`run ${i}: exit ${r.code ?? r.signal}; failed: ${failed.map((c) => `${c.name} (${(c.failureMessage ?? '').split('\n')[0]})`).join('; ') || 'none'}${leftovers.length ? `; left behind: ${leftovers.join(', ')}` : ''}`);
  process.stdout.write(`run ${i}/${runs}: ${r.code === 0 ? 'pass' : 'FAIL'} in ${s} s\n`);
}
const slowest = Math.max(...durations);
process.stdout.write(`\n${passed} of ${runs} passed; slowest run ${slowest} s (run ${durations.indexOf(slowest) + 1}); median ${[...durations].sort((a, b) => a - b)[Math.floor(runs / 2)]} s\n`);
for (const f of failures) process.stdout.write(`${f}\n`);
process.exit(passed === runs ? 0 : 1);
