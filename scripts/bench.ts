// `npm run bench`: our burst generator and round trip against Kafka's own ProducerPerformance and EndToEndLatency,
// on the same local broker, same topic, record size, acks=all and SASL_SSL listener, runs alternating A B A B.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { kafkaClasspath, runKafkaTool, startJvmBroker } from '../support/broker/jvm.js';
import type { LocalBroker } from '../support/broker/local-broker.js';
import { DEFAULT_TOPICS } from '../support/broker/topics.js';
import { checkConsumerEnv, parseEndpointEnv, type EndpointConfig } from '../support/config.js';
import { connectWithin, disconnectWithin } from '../support/deadline.js';
import { createKafka, uniqueId } from '../support/kafka.js';
import { orderEvent } from '../support/payloads.js';
import { createProducer, runBurst } from '../support/producer.js';
import { roundTrip } from '../support/roundtrip.js';
import { runSuite } from '../support/self/run-suite.js';
import { readSettings, type Env, type Settings } from '../support/settings.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Bench events are marked like the suite's, so they are as easy to filter. */
const BENCH_MARKER = { runId: uniqueId('bench'), check: 'bench.burst' };
const SCENARIOS = [
  { name: '1 KiB', bytes: 1024, count: Number(process.env.BENCH_1K_RECORDS ?? 50000) },
  { name: '100 KiB', bytes: 102400, count: Number(process.env.BENCH_100K_RECORDS ?? 1000) },
];
const E2E = { count: Number(process.env.BENCH_E2E_RECORDS ?? 1000), bytes: 1024 };
const MIB = 1024 * 1024;

interface Throughput {
  readonly eventsPerSec: number;
  readonly mibPerSec: number;
  readonly p50: number;
  readonly p99: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function parseProducerPerformance(out: string): Throughput {
  // "50000 records sent, 123.4 records/sec (0.12 MB/sec), 1.2 ms avg latency, 3.0 ms max latency, 1 ms 50th, 2 ms 95th, 3 ms 99th, 3 ms 99.9th."
  const m = /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\).*?(\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(out);
  if (!m) throw new Error(`ProducerPerformance printed no summary:\n${out.slice(-1500)}`);
  return { eventsPerSec: Number(m[1]), mibPerSec: Number(m[2]), p50: Number(m[3]), p99: Number(m[5]) };
}

function parseEndToEnd(out: string): { p50: number; p99: number; avg: number } {
  const avg = /Avg latency: ([\d.]+) ms/.exec(out);
  const p = /Percentiles: 50th = (\d+), 99th = (\d+)/.exec(out);
  if (!avg || !p) throw new Error(`EndToEndLatency printed no percentiles:\n${out.slice(-1500)}`);
  return { avg: Number(avg[1]), p50: Number(p[1]), p99: Number(p[2]) };
}

/** What every step needs: the broker, our clients' settings, and Kafka's tools' way to reach it. */
interface Bench {
  readonly broker: LocalBroker;
  readonly env: Env;
  readonly config: EndpointConfig;
  readonly settings: Settings;
  readonly kafka: Kafka;
  /** Kafka's tools reach the broker exactly as we do: SASL_SSL, PLAIN, $ConnectionString, the run's CA. */
  readonly clientProps: string;
  readonly bootstrap: string;
}

type Scenario = (typeof SCENARIOS)[number];
interface ScenarioRounds {
  readonly ours: Throughput[];
  readonly theirs: Throughput[];
  readonly tuned: Throughput[];
}
type Latency = { p50: number; p99: number };
interface LatencyRounds {
  readonly ours: Latency[];
  readonly theirs: Latency[];
}
interface SuiteResult {
  readonly exitCode: number | null;
  readonly totalSec: number;
  readonly brokerReadySec: number | null;
  readonly reportWrittenMs: number | null;
  readonly checks: { name: string; sec: number }[];
}

async function main(): Promise<void> {
  const started = new Date();
  const { broker, brokerReadyMs } = await startBenchBroker();
  const dir = mkdtempSync(join(tmpdir(), 'eventstream-readiness-bench-'));
  try {
    const bench = benchClients(broker, dir);
    const throughput = await compareThroughput(bench);
    const latency = await compareLatency(bench);
    await broker.stop();
    const suite = await coldLocalRun();
    writeResults(summarize({ started, brokerReadyMs, throughput, latency, suite }));
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The JVM broker with the suite's topics and the bench's own, and how long it took to be ready. */
async function startBenchBroker(): Promise<{ broker: LocalBroker; brokerReadyMs: number }> {
  await kafkaClasspath(log);
  const readyStart = performance.now();
  const broker = await startJvmBroker({
    topics: [...DEFAULT_TOPICS, { name: 'bench-1k', partitions: 3 }, { name: 'bench-100k', partitions: 3 }, { name: 'bench-e2e', partitions: 1 }],
    log,
  });
  return { broker, brokerReadyMs: Math.round(performance.now() - readyStart) };
}

function benchClients(broker: LocalBroker, dir: string): Bench {
  // The bench writes to topics of its own: a key scoped to telemetry (what FABRIC_KAFKA_PASSWORD holds) is refused
  // there, as on Event Hubs, so the bench and Kafka's tools use the namespace key, which reaches every topic.
  const key = broker.keys.namespace;
  const env: Env = { ...broker.env, FABRIC_KAFKA_PASSWORD: key, FABRIC_CONSUMER_PASSWORD: key };
  const config = parseEndpointEnv(env);
  const settings = readSettings(env);
  const clientProps = join(dir, 'client.properties');
  writeFileSync(
    clientProps,
    [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=PLAIN',
      `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$ConnectionString" password="${key}";`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${broker.caFile}`,
    ].join('\n'),
    { mode: 0o600 },
  );
  const kafka = createKafka(config, settings, { clientId: 'bench' });
  return { broker, env, config, settings, kafka, clientProps, bootstrap: `localhost:${broker.saslPort}` };
}

/** Each scenario's alternating rounds, on one connected producer. */
async function compareThroughput(bench: Bench): Promise<Record<string, ScenarioRounds>> {
  const producer = createProducer(bench.kafka, bench.settings);
  await connectWithin(producer, 10000, 'bench producer connect');
  const throughput: Record<string, ScenarioRounds> = {};
  for (const s of SCENARIOS) throughput[s.name] = await scenarioRounds(bench, producer, s);
  await disconnectWithin(producer, 5000);
  return throughput;
}

async function scenarioRounds(bench: Bench, producer: Producer, s: Scenario): Promise<ScenarioRounds> {
  const topic = s.bytes > 10000 ? 'bench-100k' : 'bench-1k';
  const rounds: ScenarioRounds = { ours: [], theirs: [], tuned: [] };
  for (let pass = 1; pass <= ROUNDS; pass++) {
    // A: our burst generator, as the burst check runs it (JSON order events padded to size).
    const ours = await ourBurst(bench, producer, topic, s);
    rounds.ours.push(ours);
    // B: Kafka's ProducerPerformance, same topic, count, size, acks=all, default producer settings.
    const theirs = await producerPerformance(bench, topic, s, []);
    rounds.theirs.push(theirs);
    // B': the same with batching close to ours (the Java client's ceiling here, for an honest comparison).
    const tuned = await producerPerformance(bench, topic, s, ['batch.size=131072', 'linger.ms=10']);
    rounds.tuned.push(tuned);
    log(
      `${s.name} round ${pass}: ours ${ours.eventsPerSec} ev/s ${ours.mibPerSec} MiB/s p99 ${ours.p99} ms | ProducerPerformance ${theirs.eventsPerSec} ev/s ${theirs.mibPerSec} MiB/s p99 ${theirs.p99} ms | tuned ${tuned.eventsPerSec} ev/s`,
    );
  }
  return rounds;
}

async function ourBurst(bench: Bench, producer: Producer, topic: string, s: Scenario): Promise<Throughput> {
  const { settings } = bench;
  const r = await runBurst(producer, {
    topic,
    events: s.count,
    make: (i) => ({ key: `order-${i % 64}`, value: JSON.stringify(orderEvent(i, BENCH_MARKER, s.bytes)) }),
    marker: BENCH_MARKER,
    batchSize: settings.BURST_BATCH_SIZE,
    inFlight: settings.BURST_IN_FLIGHT,
    eventBytes: s.bytes,
    settings: { ...settings, SEND_TIMEOUT_MS: 60000 },
  });
  if (r.failed > 0) throw new Error(`our burst failed: ${r.failures.map((f) => f.diagnosis.detail).join('; ')}`);
  return { eventsPerSec: r.eventsPerSec, mibPerSec: round((r.eventsPerSec * s.bytes) / MIB, 2), p50: r.ackLatency.p50, p99: r.ackLatency.p99 };
}

async function producerPerformance(bench: Bench, topic: string, s: Scenario, extraProps: string[]): Promise<Throughput> {
  const out = await runKafkaTool(
    'org.apache.kafka.tools.ProducerPerformance',
    [
      '--topic',
      topic,
      '--num-records',
      String(s.count),
      '--record-size',
      String(s.bytes),
      '--throughput',
      '-1',
      '--producer-props',
      'acks=all',
      `bootstrap.servers=${bench.bootstrap}`,
      ...extraProps,
      '--producer.config',
      bench.clientProps,
    ],
    300000,
  );
  return parseProducerPerformance(out);
}

/** Alternating rounds of our round trip and Kafka's EndToEndLatency on the same topic. */
async function compareLatency(bench: Bench): Promise<LatencyRounds> {
  const latency: LatencyRounds = { ours: [], theirs: [] };
  for (let pass = 1; pass <= ROUNDS; pass++) {
    const ours = await ourRoundTrip(bench);
    latency.ours.push(ours);
    const out = await runKafkaTool(
      'org.apache.kafka.tools.EndToEndLatency',
      [bench.bootstrap, 'bench-e2e', String(E2E.count), 'all', String(E2E.bytes), bench.clientProps],
      300000,
    );
    const theirs = parseEndToEnd(out);
    latency.theirs.push(theirs);
    log(`e2e round ${pass}: ours p50 ${ours.p50} p99 ${ours.p99} ms | EndToEndLatency p50 ${theirs.p50} p99 ${theirs.p99} ms`);
  }
  return latency;
}

async function ourRoundTrip(bench: Bench): Promise<Latency> {
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
    settings: { ...settings, ROUND_TRIP_EVENTS: E2E.count, ROUND_TRIP_TIMEOUT_MS: 120000 },
    marker: { runId: uniqueId('bench'), check: 'bench.round-trip' },
  });
  await disconnectWithin(p, 5000);
  if (rt.account.missing.length) throw new Error(`our round trip lost ${rt.account.missing.length} events`);
  return { p50: rt.latency.p50, p99: rt.latency.p99 };
}

/** Suite time from cold (jars cached): a user's `npx vitest run --project local`. */
async function coldLocalRun(): Promise<SuiteResult> {
  const suite = await runSuite({ project: 'local', timeoutMs: 300000 });
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

/** Medians of the rounds, the ratios, and the targets met or not. */
function summarize(runs: { started: Date; brokerReadyMs: number; throughput: Record<string, ScenarioRounds>; latency: LatencyRounds; suite: SuiteResult }) {
  const { throughput, latency, suite: suiteResult } = runs;
  const rows = SCENARIOS.map((s) => {
    const t = throughput[s.name] as ScenarioRounds;
    const tuned = { eps: median(t.tuned.map((x) => x.eventsPerSec)), mib: median(t.tuned.map((x) => x.mibPerSec)) };
    const o = {
      eps: median(t.ours.map((x) => x.eventsPerSec)),
      mib: median(t.ours.map((x) => x.mibPerSec)),
      p50: median(t.ours.map((x) => x.p50)),
      p99: median(t.ours.map((x) => x.p99)),
    };
    const k = {
      eps: median(t.theirs.map((x) => x.eventsPerSec)),
      mib: median(t.theirs.map((x) => x.mibPerSec)),
      p50: median(t.theirs.map((x) => x.p50)),
      p99: median(t.theirs.map((x) => x.p99)),
    };
    return {
      scenario: s.name,
      records: s.count,
      ours: o,
      producerPerformance: k,
      ratioEventsPerSec: round(o.eps / k.eps, 2),
      ratioMibPerSec: round(o.mib / k.mib, 2),
      producerPerformanceBatched: tuned,
      ratioVsBatched: round(o.eps / tuned.eps, 2),
    };
  });
  const e2e = {
    records: E2E.count,
    ours: { p50: median(latency.ours.map((x) => x.p50)), p99: median(latency.ours.map((x) => x.p99)) },
    endToEndLatency: { p50: median(latency.theirs.map((x) => x.p50)), p99: median(latency.theirs.map((x) => x.p99)) },
  };
  return {
    date: runs.started.toISOString(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(totalmem() / 2 ** 30),
      freeGiB: round(freemem() / 2 ** 30),
      os: `${platform()} ${release()}`,
      node: process.version,
    },
    kafka: '4.1.1 (Maven Central), single KRaft node, SASL_SSL + PLAIN',
    rounds: ROUNDS,
    brokerReadyMs: runs.brokerReadyMs,
    throughput: rows,
    latency: { ...e2e, ratioP50: round(e2e.ours.p50 / Math.max(e2e.endToEndLatency.p50, 0.001), 2) },
    suite: suiteResult,
    targets: {
      '1 KiB events/s >= 0.8x ProducerPerformance': (rows[0]?.ratioEventsPerSec ?? 0) >= 0.8,
      '100 KiB MB/s >= 0.8x ProducerPerformance': (rows[1]?.ratioMibPerSec ?? 0) >= 0.8,
      'round-trip p50 <= 1.25x EndToEndLatency': e2e.ours.p50 <= 1.25 * e2e.endToEndLatency.p50,
      '--project local < 30 s': suiteResult.totalSec < 30,
      'broker ready < 8 s': (suiteResult.brokerReadySec ?? 99) < 8,
    },
  };
}
type BenchResult = ReturnType<typeof summarize>;

function renderTable(result: BenchResult): string {
  const { throughput: rows, latency: e2e, suite: suiteResult } = result;
  return [
    `Benchmark ${result.date} on ${result.machine.cores} cores (${result.machine.cpu}), ${result.machine.memoryGiB} GiB, ${result.machine.node}; median of ${ROUNDS} alternating rounds`,
    '',
    '| throughput | ours events/s | ProducerPerformance events/s | ratio | ours MiB/s | theirs MiB/s | ratio | ours ack p50/p99 ms | theirs p50/p99 ms | theirs with batch.size 128 KiB, linger 10 ms: events/s (ours/theirs) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} x ${r.records} | ${r.ours.eps} | ${r.producerPerformance.eps} | ${r.ratioEventsPerSec} | ${r.ours.mib} | ${r.producerPerformance.mib} | ${r.ratioMibPerSec} | ${r.ours.p50} / ${r.ours.p99} | ${r.producerPerformance.p50} / ${r.producerPerformance.p99} | ${r.producerPerformanceBatched.eps} (${r.ratioVsBatched}) |`,
    ),
    '',
    '| latency (1 KiB, sequential) | ours p50 | EndToEndLatency p50 | ratio | ours p99 | EndToEndLatency p99 |',
    '|---|---|---|---|---|---|',
    `| ${e2e.records} records | ${e2e.ours.p50} ms | ${e2e.endToEndLatency.p50} ms | ${e2e.ratioP50} | ${e2e.ours.p99} ms | ${e2e.endToEndLatency.p99} ms |`,
    '',
    `| suite | --project local total | broker ready | report written |`,
    '|---|---|---|---|',
    `| exit ${suiteResult.exitCode} | ${suiteResult.totalSec} s | ${suiteResult.brokerReadySec} s | ${suiteResult.reportWrittenMs} ms |`,
    '',
    `Slowest checks: ${[...suiteResult.checks]
      .sort((a, b) => b.sec - a.sec)
      .slice(0, 4)
      .map((c) => `${c.name} ${round(c.sec, 2)} s`)
      .join('; ')} (every check's time is in bench.json).`,
    '',
    ...Object.entries(result.targets).map(([k, v]) => `- ${v ? 'met' : 'NOT met'}: ${k}`),
  ].join('\n');
}

/** The table on stdout; it and the full result under reports/. */
function writeResults(result: BenchResult): void {
  const table = renderTable(result);
  process.stdout.write(`${table}\n`);
  const reports = join(process.cwd(), 'reports');
  mkdirSync(reports, { recursive: true });
  writeFileSync(join(reports, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(reports, 'bench.md'), `${table}\n`);
  process.stderr.write(`[bench] written to ${join(reports, 'bench.json')} and bench.md\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${(error as Error).message}\n`);
  process.exit(1);
});
