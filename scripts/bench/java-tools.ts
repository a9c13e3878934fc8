// Kafka's own tools as the bench runs them: ProducerPerformance and EndToEndLatency, on the broker's jars, reaching it as our clients do.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runKafkaTool } from '../../support/broker/jvm.js';
import type { LocalBroker } from '../../support/broker/local-broker.js';
import { CONNECTION_STRING_USERNAME } from '../../support/facts/eventstream.js';
import { round, type Bench, type Scenario, type Throughput } from './options.js';

function parseProducerPerformance(out: string): Omit<Throughput, 'count'> {
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

/** ProducerPerformance with acks=all and `extraProps`; the share of its wall time outside its timed sends is the JVM's. */
export async function producerPerformance(bench: Bench, topic: string, s: Scenario, count: number, extraProps: string[]): Promise<Throughput> {
  const started = performance.now();
  const out = await runKafkaTool(
    'org.apache.kafka.tools.ProducerPerformance',
    [
      '--topic',
      topic,
      '--num-records',
      String(count),
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
    600000,
  );
  const wallMs = performance.now() - started;
  const r = parseProducerPerformance(out);
  // What the tool times is count / rate; the rest of the process's life is the JVM starting and connecting.
  const timedMs = (count / r.eventsPerSec) * 1000;
  return { ...r, count, overheadShare: round(Math.max(0, wallMs - timedMs) / wallMs, 3) };
}

/** Kafka's EndToEndLatency on the bench's round-trip topic: one record at a time, produced and read back. */
export async function endToEndLatency(bench: Bench, count: number, bytes: number): Promise<{ p50: number; p99: number; avg: number }> {
  const out = await runKafkaTool(
    'org.apache.kafka.tools.EndToEndLatency',
    [bench.bootstrap, 'bench-e2e', String(count), 'all', String(bytes), bench.clientProps],
    600000,
  );
  return parseEndToEnd(out);
}

/** Kafka's tools reach the broker exactly as we do: SASL_SSL, PLAIN, $ConnectionString with `key`, the run's CA. Returns the file. */
export function writeClientProps(broker: LocalBroker, key: string, dir: string): string {
  const clientProps = join(dir, 'client.properties');
  writeFileSync(
    clientProps,
    [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=PLAIN',
      `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${CONNECTION_STRING_USERNAME}" password="${key}";`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${broker.caFile}`,
    ].join('\n'),
    { mode: 0o600 },
  );
  return clientProps;
}
