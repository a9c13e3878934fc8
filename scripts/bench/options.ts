// The bench's options (command line and BENCH_* variables), its scenarios and goals, and the shapes its steps share.
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { LocalBroker } from '../../support/broker/local-broker.js';
import type { EndpointConfig } from '../../support/inputs/config.js';
import { uniqueId } from '../../support/kafka/client.js';
import type { Env, Settings } from '../../support/inputs/settings.js';
import type { DelayProxyProcess } from '../../support/dev/delay-proxy-process.js';
import type { ProfileSummary } from '../../support/dev/cpu-profile.js';

export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** `npm run bench -- --quick` (or BENCH_QUICK=1): short fixed runs, a minute or two per delay; JVM warm-up then weighs on the Java tools. */
export const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
/**
 * `npm run bench -- --fabric-only`: only the full `--project fabric` runs through the relay, with where their time
 * goes (each check's time), for measuring a change to the suite before and after; nothing is written to reports/.
 */
export const FABRIC_ONLY = process.argv.includes('--fabric-only');
/**
 * `npm run bench -- --profile` (or BENCH_PROFILE=1): the first round of our generator in each scenario runs under V8's
 * sampling profiler; where its time went (kafkajs, TLS, our code, idle waiting on the network) is printed and written
 * to bench.json, and the profile to reports/bench-profile-<delay>ms-<size>.cpuprofile (Chrome DevTools opens it).
 */
export const PROFILE = process.argv.includes('--profile') || process.env.BENCH_PROFILE === '1';
export const REPORTS = join(process.cwd(), 'reports');
/** Each way, through the delay relay in front of the broker's SASL_SSL listener (0 = the relay, no delay). */
export const DELAYS_MS = (process.env.BENCH_DELAYS_MS ?? '0,20,40').split(',').map((d) => Number(d.trim()));
/**
 * Long mode: every tool's runs last about this long (counts calibrated from a short run of that tool first), so the
 * Java tools' start-up and warm-up outside their timed sends stays under 5% of their time.
 */
export const LONG_RUN_SEC = Number(process.env.BENCH_LONG_RUN_SEC ?? 25);
/** Bench events are marked like the suite's, so they are as easy to filter. */
export const BENCH_MARKER = { runId: uniqueId('bench'), check: 'bench.burst' };
/** Quick counts, also the calibration runs of long mode; fewer through a delay, where each request waits a round trip. */
export const SCENARIOS = [
  { name: '1 KiB', bytes: 1024, count: Number(process.env.BENCH_1K_RECORDS ?? 50000), delayedCount: 10000 },
  { name: '100 KiB', bytes: 102400, count: Number(process.env.BENCH_100K_RECORDS ?? 1000), delayedCount: 300 },
];
/** Sequential round trips: through a delay each costs a few round trips, so fewer. */
export const E2E = { count: Number(process.env.BENCH_E2E_RECORDS ?? 1000), delayedCount: QUICK ? 50 : 200, bytes: 1024 };
/** Goals of issue 14, through the 40 ms relay. */
export const GOALS = { fabricSec: 18, burstVsTuned: 0.9, jvmOverheadShare: 0.05 };
export const MIB = 1024 * 1024;

export interface Throughput {
  readonly eventsPerSec: number;
  readonly mibPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly count: number;
  /** Java tools: the share of the process's wall time outside its timed sends (JVM start, class loading, connecting). */
  readonly overheadShare?: number;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
export const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** The tuned Java producer: batching close to ours (the Java client's ceiling here, for an honest comparison). */
export const TUNED_PROPS = ['batch.size=131072', 'linger.ms=10'];

/** What every step needs: the broker, our clients' settings, and Kafka's tools' way to reach it. */
export interface Bench {
  readonly broker: LocalBroker;
  readonly relay: DelayProxyProcess;
  readonly env: Env;
  readonly config: EndpointConfig;
  readonly settings: Settings;
  readonly kafka: Kafka;
  /** Kafka's tools reach the broker exactly as we do: SASL_SSL, PLAIN, $ConnectionString, the run's CA, through the relay. */
  readonly clientProps: string;
  readonly bootstrap: string;
}

export type Scenario = (typeof SCENARIOS)[number];
export interface ScenarioRounds {
  readonly ours: Throughput[];
  readonly theirs: Throughput[];
  readonly tuned: Throughput[];
}
export type Latency = { p50: number; p99: number };
export interface LatencyRounds {
  readonly ours: Latency[];
  readonly theirs: Latency[];
}
export interface SuiteResult {
  readonly exitCode: number | null;
  readonly totalSec: number;
  readonly brokerReadySec: number | null;
  readonly reportWrittenMs: number | null;
  readonly checks: { name: string; sec: number }[];
  /** The max-rate burst check's events/s in that run. */
  readonly burstEventsPerSec?: number;
}
export interface DelayRuns {
  readonly delayMs: number;
  readonly throughput: Record<string, ScenarioRounds>;
  readonly latency: LatencyRounds;
  readonly fabric: SuiteResult[];
}

export const pct = (x: number | undefined) => (x === undefined ? '-' : `${round(x * 100)}%`);

/** What --profile found for one delay and scenario, for bench.json and bench.md. */
export interface BenchProfile {
  readonly delayMsEachWay: number;
  readonly scenario: string;
  readonly file: string;
  readonly summary: ProfileSummary;
}
