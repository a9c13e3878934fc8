// No request the suite sends asks for all topics: Event Hubs may refuse an entity-scoped key there. Proven from the broker's request log.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startJvmBroker } from '../../support/broker/jvm.js';
import type { LocalBroker } from '../../support/broker/layout.js';
import { runSuite } from '../../support/self/run-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'readiness-request-log-'));
const log = join(dir, 'requests.log');
let broker: LocalBroker;

beforeAll(async () => {
  writeFileSync(log, '');
  broker = await startJvmBroker({ requestLogFile: log });
});
afterAll(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface LoggedRequest {
  readonly apiKey: number;
  readonly clientId: string;
  readonly topics: unknown;
}

/** Metadata requests (API key 3) the broker completed, from the request log lines written after `from` bytes. */
function metadataRequestsSince(from: number): LoggedRequest[] {
  const text = readFileSync(log, 'utf8').slice(from);
  const out: LoggedRequest[] = [];
  for (const line of text.split('\n')) {
    const json = line.slice(line.indexOf('{'));
    if (!line.includes('Completed request:') || !json.startsWith('{')) continue;
    const entry = JSON.parse(json) as { requestHeader?: { requestApiKey?: number; clientId?: string }; request?: { topics?: unknown } };
    if (entry.requestHeader?.requestApiKey !== 3) continue;
    out.push({ apiKey: 3, clientId: entry.requestHeader.clientId ?? '', topics: entry.request?.topics });
  }
  return out;
}

const asksForAllTopics = (r: LoggedRequest) => r.topics === null || (Array.isArray(r.topics) && r.topics.length === 0);

test('the request log sees an all-topic Metadata request when one is sent (the signal is live)', async () => {
  const from = statSync(log).size;
  const env = broker.env;
  const kafka = new Kafka({
    clientId: 'control',
    brokers: [String(env.FABRIC_KAFKA_BOOTSTRAP)],
    ssl: { ca: [readFileSync(broker.caFile, 'utf8')] },
    sasl: { mechanism: 'plain', username: '$ConnectionString', password: broker.connectionString },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.describeCluster(); // what the preflight used to send
  await admin.disconnect();
  await expect.poll(() => metadataRequestsSince(from).filter(asksForAllTopics).map((r) => r.clientId), { timeout: 10000 }).toContain('control');
});

test('a full --project fabric run sends no all-topic Metadata request, from any of its clients', async () => {
  const from = statSync(log).size;
  const envFile = Object.fromEntries(Object.entries(broker.env).filter((e): e is [string, string] => e[1] !== undefined));
  const run = await runSuite({ project: 'fabric', envFile, env: { READINESS_BURST_EVENTS: '500', READINESS_PACED_EVENTS: '2', READINESS_ROUND_TRIP_EVENTS: '20' }, timeoutMs: 120000 });
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
  // Every check ran, the round trip included: nothing was skipped that could have sent one.
  expect(run.cases.find((c) => c.name.includes('reads back every event'))?.status).toBe('pass');
  // The suite's clients all name themselves readiness-<role>-<random> (the control client above does not).
  const requests = (await pollRequests(from)).filter((r) => r.clientId.startsWith('readiness-'));
  expect(requests.length, 'the run sent Metadata requests that the log must show').toBeGreaterThan(0);
  expect(requests.filter(asksForAllTopics).map((r) => `${r.clientId}: ${JSON.stringify(r.topics)}`)).toEqual([]);
});

/** The log is written as the broker completes requests: wait until the run's own requests are in it. */
async function pollRequests(from: number): Promise<LoggedRequest[]> {
  await expect.poll(() => metadataRequestsSince(from).length, { timeout: 10000 }).toBeGreaterThan(0);
  return metadataRequestsSince(from);
}
