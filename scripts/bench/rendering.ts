// The bench's output: the table on stdout and in reports/bench.md, the full result in reports/bench.json, and the
// --fabric-only profile of where a suite run's time goes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProfileSummary } from '../../support/dev/cpu-profile.js';
import { REPORTS, ROUNDS, median, pct, round, type SuiteResult } from './options.js';
import type { BenchResult } from './summary.js';

/** Wall times of the fabric runs at one delay, and each check's median time: where the time goes. */
export function printFabricProfile(delayMs: number, runs: SuiteResult[]): void {
  const names = runs[0]?.checks.map((c) => c.name) ?? [];
  const perCheck = names.map((name) => ({ name, sec: round(median(runs.map((r) => r.checks.find((c) => c.name === name)?.sec ?? 0)), 2) }));
  const inChecks = round(perCheck.reduce((sum, c) => sum + c.sec, 0));
  const lines = [
    `--project fabric at ${delayMs} ms each way: median ${median(runs.map((r) => r.totalSec))} s (runs ${runs.map((r) => r.totalSec).join(', ')}; exit ${runs.map((r) => r.exitCode).join(', ')}); max-rate burst ${median(runs.map((r) => r.burstEventsPerSec ?? Number.NaN))} events/s`,
    `  in checks ${inChecks} s; the rest is Vitest start-up, global setup (the preflight), each file's start and the reports`,
    ...perCheck.filter((c) => c.sec >= 0.05).map((c) => `  ${String(c.sec).padStart(6)} s  ${c.name}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function renderTable(result: BenchResult): string {
  const { delays, suite: suiteResult } = result;
  const mode = result.mode === 'quick' ? 'quick mode (short fixed runs)' : `long runs (~${result.longRunSec} s per tool run)`;
  const slowest = (checks: { name: string; sec: number }[]) =>
    [...checks]
      .sort((a, b) => b.sec - a.sec)
      .slice(0, 4)
      .map((c) => `${c.name} ${round(c.sec, 2)} s`)
      .join('; ');
  return [
    `Benchmark ${result.date} on ${result.machine.cores} cores (${result.machine.cpu}), ${result.machine.memoryGiB} GiB, ${result.machine.node}; ${mode}; median of ${ROUNDS} alternating rounds`,
    '',
    '| delay each way | size | ours / tuned Java events/s | ours / tuned MiB/s | ours events/s | tuned Java events/s | ProducerPerformance events/s | ours / ProducerPerformance | ours MiB/s | tuned MiB/s | ours ack p50/p99 ms | Java time outside timed sends |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...delays.flatMap((d) =>
      d.throughput.map(
        (r) =>
          `| ${d.delayMsEachWay} ms | ${r.scenario} | **${r.ratioVsTuned.eventsPerSec}** | ${r.ratioVsTuned.mibPerSec} | ${r.ours.eps} | ${r.tuned.eps} | ${r.producerPerformance.eps} | ${r.ratioVsDefault.eventsPerSec} | ${r.ours.mib} | ${r.tuned.mib} | ${r.ours.p50} / ${r.ours.p99} | ${pct(r.maxJvmOverheadShare)} |`,
      ),
    ),
    '',
    '| delay each way | round trip ours p50 / p99 ms | EndToEndLatency p50 / p99 ms | p50 ratio | --project fabric wall time (runs) | its max-rate burst events/s |',
    '|---|---|---|---|---|---|',
    ...delays.map(
      (d) =>
        `| ${d.delayMsEachWay} ms | ${d.latency.ours.p50} / ${d.latency.ours.p99} | ${d.latency.endToEndLatency.p50} / ${d.latency.endToEndLatency.p99} | ${d.latency.ratioP50} | ${d.fabric.medianSec} s (${d.fabric.runsSec.join(', ')}; exit ${[...new Set(d.fabric.exitCodes)].join('/')}) | ${d.fabric.burstEventsPerSec} |`,
    ),
    '',
    ...delays.map((d) => `Slowest checks at ${d.delayMsEachWay} ms: ${slowest(d.fabric.checks)}.`),
    '',
    `| suite, loopback, no relay | --project local total | broker ready | report written |`,
    '|---|---|---|---|',
    `| exit ${suiteResult.exitCode} | ${suiteResult.totalSec} s | ${suiteResult.brokerReadySec} s | ${suiteResult.reportWrittenMs} ms |`,
    '',
    ...Object.entries(result.targets).map(([k, v]) => `- ${v ? 'met' : 'NOT met'}: ${k}`),
    ...(result.profiles ?? []).flatMap((p) => [
      '',
      `Where our generator's time went at ${p.delayMsEachWay} ms, ${p.scenario} (--profile):`,
      '',
      '```',
      ...formatProfileSummary(p.summary),
      '```',
    ]),
  ].join('\n');
}

/** The table on stdout; it and the full result under reports/. */
export function writeResults(result: BenchResult): void {
  const table = renderTable(result);
  process.stdout.write(`${table}\n`);
  mkdirSync(REPORTS, { recursive: true });
  writeFileSync(join(REPORTS, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(REPORTS, 'bench.md'), `${table}\n`);
  process.stderr.write(`[bench] written to ${join(REPORTS, 'bench.json')} and bench.md\n`);
}
