// The bench's scenarios: its broker behind the delay relay, alternating rounds of our burst and round trip against
// Kafka's tools, and full suite runs through the relay.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { kafkaClasspath, startJvmBroker } from '../../support/broker/jvm.js';
import type { LocalBroker } from '../../support/broker/local-broker.js';
import { DEFAULT_TOPICS } from '../../support/broker/topics.js';
import { checkConsumerEnv, parseEndpointEnv } from '../../support/inputs/config.js';
import { connectWithin, disconnectWithin } from '../../support/core/deadline.js';
import { createKafka, uniqueId } from '../../support/kafka/client.js';
import { orderEvent } from '../../support/workload/payloads.js';
import { createProducer, runBurst } from '../../support/kafka/produce.js';
import { roundTrip } from '../../support/workload/round-trip.js';
import { failuresOf, runSuite, type SuiteRun } from '../../support/dev/run-suite.js';
import type { DelayProxyProcess } from '../../support/dev/delay-proxy-process.js';
import { BURST_METRIC, CHECK_ID } from '../../support/record/ids.js';
import { readSettings, type Env } from '../../support/inputs/settings.js';
import { formatProfileSummary, profileWhile, summariseCpuProfile } from '../../support/dev/cpu-profile.js';
import { endToEndLatency, producerPerformance, writeClientProps } from './java-tools.js';
import {
  BENCH_MARKER,
  E2E,
  LONG_RUN_SEC,
  MIB,
  PROFILE,
  QUICK,
  REPORTS,
  ROUNDS,
  SCENARIOS,
  TUNED_PROPS,
  log,
  pct,
  round,
  type Bench,
  type BenchProfile,
  type Latency,
  type LatencyRounds,
  type Scenario,
  type ScenarioRounds,
  type SuiteResult,
  type Throughput,
} from './options.js';

/** The JVM broker with the suite's topics and the bench's own, behind the relay, and how long it took to be ready. */
export async function startBenchBroker(relay: DelayProxyProcess): Promise<{ broker: LocalBroker; brokerReadyMs: number }> {
  await kafkaClasspath(log);
  const readyStart = performance.now();
  const broker = await startJvmBroker({
    topics: [...DEFAULT_TOPICS, { name: 'bench-1k', partitions: 3 }, { name: 'bench-100k', partitions: 3 }, { name: 'bench-e2e', partitions: 1 }],
    saslFront: relay,
    log,
  });
  return { broker, brokerReadyMs: Math.round(performance.now() - readyStart) };
}

export function benchClients(broker: LocalBroker, relay: DelayProxyProcess, dir: string): Bench {
  // The bench writes to topics of its own: a key scoped to telemetry (what FABRIC_KAFKA_PASSWORD holds) is refused
  // there, as on Event Hubs, so the bench and Kafka's tools use the namespace key, which reaches every topic.
  const key = broker.keys.namespace;
  const env: Env = { ...broker.env, FABRIC_KAFKA_PASSWORD: key, FABRIC_CONSUMER_PASSWORD: key };
  const config = parseEndpointEnv(env);
  const settings = readSettings(env);
  const clientProps = writeClientProps(broker, key, dir);
  const kafka = createKafka(config, settings, { clientId: 'bench' });
  // broker.saslPort is the relay's port: the broker advertises it, so every connection goes through the relay.
  return { broker, relay, env, config, settings, kafka, clientProps, bootstrap: `localhost:${broker.saslPort}` };
}

/** Each scenario's alternating rounds, on one connected producer. */
export async function compareThroughput(bench: Bench): Promise<Record<string, ScenarioRounds>> {
  const producer = createProducer(bench.kafka, bench.settings);
  await connectWithin(producer, 10000, 'bench producer connect');
  const throughput: Record<string, ScenarioRounds> = {};
  for (const s of SCENARIOS) throughput[s.name] = await scenarioRounds(bench, producer, s);
  await disconnectWithin(producer, 5000);
  return throughput;
}

/** A run of each tool: our burst generator, ProducerPerformance with defaults, the tuned Java producer. */
type Tool = (count: number) => Promise<Throughput>;

/**
 * How long a tool's long runs send: LONG_RUN_SEC, or longer for a Java tool whose calibration run spent so long
 * outside its timed sends (JVM start, class loading, connecting) that LONG_RUN_SEC would leave it over 3% of its time (the estimate runs low: 4% gave 5.3-5.9%).
 */
function longRunSec(calibration: Throughput, count: number): number {
  const share = calibration.overheadShare ?? 0;
  if (share <= 0 || share >= 1 || calibration.eventsPerSec <= 0) return LONG_RUN_SEC;
  const timedSec = count / calibration.eventsPerSec;
  const overheadSec = (share / (1 - share)) * timedSec;
  return Math.max(LONG_RUN_SEC, overheadSec / 0.03);
}

/** A run of each tool in a scenario: A our burst generator, B ProducerPerformance (defaults), and the tuned Java producer. */
function scenarioTools(bench: Bench, producer: Producer, s: Scenario): Record<keyof ScenarioRounds, Tool> {
  const topic = s.bytes > 10000 ? 'bench-100k' : 'bench-1k';
  return {
    // A: our burst generator, as the burst check runs it (JSON order events padded to size).
    ours: (count) => ourBurst(bench, producer, topic, s, count),
    // B: Kafka's ProducerPerformance, same topic, size, acks=all, default producer settings.
    theirs: (count) => producerPerformance(bench, topic, s, count, []),
    tuned: (count) => producerPerformance(bench, topic, s, count, TUNED_PROPS),
  };
}

/** Long mode: each tool's count is what it sends in LONG_RUN_SEC at the rate of a short run of its own. */
async function calibratedCounts(tools: Record<keyof ScenarioRounds, Tool>, s: Scenario, quickCount: number): Promise<Record<keyof ScenarioRounds, number>> {
  const counts: Record<keyof ScenarioRounds, number> = { ours: quickCount, theirs: quickCount, tuned: quickCount };
  for (const name of Object.keys(tools) as (keyof ScenarioRounds)[]) {
    let count = quickCount;
    let calibration = await tools[name](count);
    // A Java tool's short run understates its steady rate (batches fill, the JIT warms up): calibrate once more
    // on a run of about 8 s at the first rate, whose rate and time outside the timed sends are close to a long run's.
    if (name !== 'ours') {
      count = Math.max(quickCount, Math.round(calibration.eventsPerSec * 8));
      calibration = await tools[name](count);
    }
    counts[name] = Math.max(quickCount, Math.round(calibration.eventsPerSec * longRunSec(calibration, count)));
  }
  log(
    `${s.name} counts for runs of ${LONG_RUN_SEC} s or more (Java: JVM start under 3%): ours ${counts.ours}, ProducerPerformance ${counts.theirs}, tuned ${counts.tuned}`,
  );
  return counts;
}

/** ROUNDS alternating rounds of the three tools (ours first, profiled in round 1 with --profile). */
async function scenarioRounds(bench: Bench, producer: Producer, s: Scenario): Promise<ScenarioRounds> {
  const tools = scenarioTools(bench, producer, s);
  const quickCount = bench.relay.delayMs > 0 ? s.delayedCount : s.count;
  const counts = QUICK ? { ours: quickCount, theirs: quickCount, tuned: quickCount } : await calibratedCounts(tools, s, quickCount);
  const rounds: ScenarioRounds = { ours: [], theirs: [], tuned: [] };
  for (let pass = 1; pass <= ROUNDS; pass++) {
    const ours = PROFILE && pass === 1 ? await profiled(bench.relay.delayMs, s, () => tools.ours(counts.ours)) : await tools.ours(counts.ours);
    const theirs = await tools.theirs(counts.theirs);
    const tuned = await tools.tuned(counts.tuned);
    rounds.ours.push(ours);
    rounds.theirs.push(theirs);
    rounds.tuned.push(tuned);
    log(
      `${bench.relay.delayMs} ms, ${s.name} round ${pass}: ours ${ours.eventsPerSec} ev/s p99 ${ours.p99} ms | tuned ${tuned.eventsPerSec} ev/s | ProducerPerformance ${theirs.eventsPerSec} ev/s (JVM outside timed sends: ${pct(tuned.overheadShare)} / ${pct(theirs.overheadShare)})`,
    );
  }
  return rounds;
}

/** What --profile found, per delay and scenario, for bench.json and bench.md. */
export const profiles: BenchProfile[] = [];

async function profiled(delayMs: number, s: Scenario, run: () => Promise<Throughput>): Promise<Throughput> {
  const { result, profile } = await profileWhile(run);
  mkdirSync(REPORTS, { recursive: true });
  const file = join(REPORTS, `bench-profile-${delayMs}ms-${s.name.replace(/\s+/g, '')}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const summary = summariseCpuProfile(profile, { top: 8 });
  profiles.push({ delayMsEachWay: delayMs, scenario: s.name, file, summary });
  log(`${delayMs} ms, ${s.name}, our generator profiled (${file}):\n${formatProfileSummary(summary).join('\n')}`);
  return result;
}

async function ourBurst(bench: Bench, producer: Producer, topic: string, s: Scenario, count: number): Promise<Throughput> {
  const { settings } = bench;
  const r = await runBurst(producer, {
    topic,
    events: count,
    make: (i) => ({ key: `order-${i % 64}`, value: JSON.stringify(orderEvent(i, BENCH_MARKER, s.bytes)) }),
    marker: BENCH_MARKER,
    batchSize: settings.BURST_BATCH_SIZE,
    inFlight: settings.BURST_IN_FLIGHT,
    maxInFlight: settings.BURST_MAX_IN_FLIGHT,
    eventBytes: s.bytes,
    settings: { ...settings, SEND_TIMEOUT_MS: 60000 },
  });
  if (r.failed > 0) throw new Error(`our burst failed: ${r.failures.map((f) => f.diagnosis.detail).join('; ')}`);
  return { eventsPerSec: r.eventsPerSec, mibPerSec: round((r.eventsPerSec * s.bytes) / MIB, 2), p50: r.ackLatency.p50, p99: r.ackLatency.p99, count };
}

/** Alternating rounds of our round trip and Kafka's EndToEndLatency on the same topic. */
export async function compareLatency(bench: Bench): Promise<LatencyRounds> {
  const count = bench.relay.delayMs > 0 ? E2E.delayedCount : E2E.count;
  const latency: LatencyRounds = { ours: [], theirs: [] };
  for (let pass = 1; pass <= ROUNDS; pass++) {
    const ours = await ourRoundTrip(bench, count);
    latency.ours.push(ours);
    const theirs = await endToEndLatency(bench, count, E2E.bytes);
    latency.theirs.push(theirs);
    log(
      `${bench.relay.delayMs} ms, e2e round ${pass} (${count} records): ours p50 ${ours.p50} p99 ${ours.p99} ms | EndToEndLatency p50 ${theirs.p50} p99 ${theirs.p99} ms`,
    );
  }
  return latency;
}

async function ourRoundTrip(bench: Bench, count: number): Promise<Latency> {
  const { config, settings, kafka } = bench;
  const consumer = checkConsumerEnv({ ...bench.env, FABRIC_CONSUMER_TOPIC: 'bench-e2e' }).config;
  if (!consumer) throw new Error('no consumer config for the round trip');
  const p = createProducer(kafka, settings);
  await connectWithin(p, 10000, 'bench round-trip producer connect');
  const rt = await roundTrip({
    producer: p,
    produceTopic: 'bench-e2e',
    consumerKafka: createKafka(config, settings, { clientId: 'bench-rt' }),
    consumer: { ...consumer, groupId: uniqueId('bench') },
    settings: { ...settings, ROUND_TRIP_EVENTS: count, ROUND_TRIP_TIMEOUT_MS: 300000 },
    marker: { runId: uniqueId('bench'), check: 'bench.round-trip' },
  });
  await disconnectWithin(p, 5000);
  if (rt.account.missing.length) throw new Error(`our round trip lost ${rt.account.missing.length} events`);
  return { p50: rt.latency.p50, p99: rt.latency.p99 };
}

/** A user's full `npx vitest run --project fabric` (default settings) against the bench broker, through the relay. */
export async function fabricRuns(bench: Bench): Promise<SuiteResult[]> {
  const runs: SuiteResult[] = [];
  for (let pass = 1; pass <= ROUNDS; pass++) {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(bench.broker.env)) if (v !== undefined) env[k] = v;
    const run = await runSuite({ project: 'fabric', envFile: env, timeoutMs: 300000 });
    const r = suiteResult(run);
    runs.push({ ...r, burstEventsPerSec: Number(run.readiness?.checks.find((c) => c.id === CHECK_ID.burstMaxRate)?.measured[BURST_METRIC.eventsPerSec]) });
    log(`${bench.relay.delayMs} ms, --project fabric run ${pass}: exit ${r.exitCode} in ${r.totalSec} s`);
    if (r.exitCode !== 0) log(`the fabric run failed: ${failuresOf(run).slice(0, 1500)}`);
  }
  return runs;
}

function suiteResult(suite: SuiteRun): SuiteResult {
  const readyMatch = /Kafka broker ready in ([\d.]+) s/.exec(suite.stderr);
  const reportMatch = /READINESS report .* in ([\d.]+) ms/.exec(suite.stderr);
  return {
    exitCode: suite.code,
    totalSec: round(suite.durationMs / 1000),
    brokerReadySec: readyMatch ? Number(readyMatch[1]) : null,
    reportWrittenMs: reportMatch ? Number(reportMatch[1]) : null,
    checks: suite.cases.map((c) => ({ name: c.name, sec: c.timeSec })),
  };
}

/** Suite time from cold (jars cached): a user's `npx vitest run --project local`, on loopback. */
export async function coldLocalRun(): Promise<SuiteResult> {
  return suiteResult(await runSuite({ project: 'local', timeoutMs: 300000 }));
}
