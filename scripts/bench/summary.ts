// The bench's summary: medians of the alternating rounds, the ratios of ours to Kafka's tools, and the goals met or not.
import { cpus, freemem, platform, release, totalmem } from 'node:os';
import {
  GOALS,
  LONG_RUN_SEC,
  QUICK,
  ROUNDS,
  SCENARIOS,
  median,
  round,
  type BenchProfile,
  type DelayRuns,
  type Scenario,
  type ScenarioRounds,
  type SuiteResult,
  type Throughput,
} from './options.js';

const medianOf = (xs: Throughput[], f: (t: Throughput) => number) => median(xs.map(f));

function throughputRow(s: Scenario, t: ScenarioRounds) {
  const of = (xs: Throughput[]) => ({
    eps: medianOf(xs, (x) => x.eventsPerSec),
    mib: medianOf(xs, (x) => x.mibPerSec),
    p50: medianOf(xs, (x) => x.p50),
    p99: medianOf(xs, (x) => x.p99),
    count: medianOf(xs, (x) => x.count),
  });
  const [o, tuned, k] = [of(t.ours), of(t.tuned), of(t.theirs)];
  const overhead = [...t.tuned, ...t.theirs].map((x) => x.overheadShare ?? 0);
  return {
    scenario: s.name,
    // Ratios against the tuned Java producer lead: it is the Java client at its best here.
    ratioVsTuned: { eventsPerSec: round(o.eps / tuned.eps, 2), mibPerSec: round(o.mib / tuned.mib, 2) },
    ratioVsDefault: { eventsPerSec: round(o.eps / k.eps, 2), mibPerSec: round(o.mib / k.mib, 2) },
    ours: o,
    tuned,
    producerPerformance: k,
    /** The largest share of a Java tool run's wall time outside its timed sends (JVM start, warm-up, connecting). */
    maxJvmOverheadShare: round(Math.max(...overhead), 3),
  };
}

/** One delay's medians: throughput per scenario with the ratios, the round trip, and the full suite runs. */
function delaySummary(d: DelayRuns) {
  const fabricSec = median(d.fabric.map((f) => f.totalSec));
  const medianRun = d.fabric.find((f) => f.totalSec === fabricSec) ?? d.fabric[0];
  const e2e = {
    ours: { p50: median(d.latency.ours.map((x) => x.p50)), p99: median(d.latency.ours.map((x) => x.p99)) },
    endToEndLatency: { p50: median(d.latency.theirs.map((x) => x.p50)), p99: median(d.latency.theirs.map((x) => x.p99)) },
  };
  return {
    delayMsEachWay: d.delayMs,
    throughput: SCENARIOS.map((s) => throughputRow(s, d.throughput[s.name] as ScenarioRounds)),
    latency: { ...e2e, ratioP50: round(e2e.ours.p50 / Math.max(e2e.endToEndLatency.p50, 0.001), 2) },
    fabric: {
      medianSec: fabricSec,
      runsSec: d.fabric.map((f) => f.totalSec),
      exitCodes: d.fabric.map((f) => f.exitCode),
      burstEventsPerSec: median(d.fabric.map((f) => f.burstEventsPerSec ?? Number.NaN)),
      checks: medianRun?.checks ?? [],
    },
  };
}
type DelaySummary = ReturnType<typeof delaySummary>;

/** The goals (issue 14's through the 40 ms relay, and the loopback ones), each met or not. */
function targetsOf(delays: readonly DelaySummary[], suite: SuiteResult): Record<string, boolean> {
  const at40 = delays.find((d) => d.delayMsEachWay === 40);
  const at0 = delays.find((d) => d.delayMsEachWay === 0);
  const overheads = delays.flatMap((d) => d.throughput.map((t) => t.maxJvmOverheadShare));
  return {
    ...(at40
      ? {
          [`40 ms: --project fabric < ${GOALS.fabricSec} s`]: at40.fabric.medianSec < GOALS.fabricSec && at40.fabric.exitCodes.every((c) => c === 0),
          [`40 ms: 1 KiB burst events/s >= ${GOALS.burstVsTuned}x the tuned Java producer`]:
            (at40.throughput[0]?.ratioVsTuned.eventsPerSec ?? 0) >= GOALS.burstVsTuned,
        }
      : {}),
    ...(QUICK ? {} : { [`Java tools' time outside their timed sends < ${GOALS.jvmOverheadShare * 100}%`]: Math.max(...overheads) < GOALS.jvmOverheadShare }),
    ...(at0
      ? {
          '0 ms: 1 KiB events/s >= 0.8x ProducerPerformance': (at0.throughput[0]?.ratioVsDefault.eventsPerSec ?? 0) >= 0.8,
          '0 ms: 100 KiB MB/s >= 0.8x ProducerPerformance': (at0.throughput[1]?.ratioVsDefault.mibPerSec ?? 0) >= 0.8,
          '0 ms: round-trip p50 <= 1.25x EndToEndLatency': at0.latency.ours.p50 <= 1.25 * at0.latency.endToEndLatency.p50,
        }
      : {}),
    '--project local < 30 s': suite.totalSec < 30,
    'broker ready < 8 s': (suite.brokerReadySec ?? 99) < 8,
  };
}

function machine() {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30),
    freeGiB: round(freemem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
  };
}

/** Medians of the rounds, the ratios, and the goals met or not. */
export function summarize(runs: { started: Date; brokerReadyMs: number; delays: DelayRuns[]; suite: SuiteResult; profiles: readonly BenchProfile[] }) {
  const delays = runs.delays.map(delaySummary);
  return {
    date: runs.started.toISOString(),
    mode: QUICK ? 'quick' : 'long',
    longRunSec: QUICK ? undefined : LONG_RUN_SEC,
    machine: machine(),
    kafka: '4.1.1 (Maven Central), single KRaft node, SASL_SSL + PLAIN, behind a userspace delay relay it advertises',
    rounds: ROUNDS,
    brokerReadyMs: runs.brokerReadyMs,
    delays,
    suite: runs.suite,
    ...(runs.profiles.length > 0 ? { profiles: runs.profiles } : {}),
    targets: targetsOf(delays, runs.suite),
  };
}
export type BenchResult = ReturnType<typeof summarize>;
