// What a run sends to the endpoint, seen from the broker: no all-topic Metadata request (Event Hubs may refuse an
// entity-scoped key there; proven from the broker's request log), every event marked, and light mode writing little.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { localBrokerClient } from '../../support/kafka/client.js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startJvmBroker } from '../../support/broker/jvm.js';
import type { LocalBroker } from '../../support/broker/local-broker.js';
import { MARKER_FIELD, MARKER_HEADER } from '../../support/record/marker.js';
import { runSuite, type SuiteRun } from '../../support/dev/run-suite.js';
import { LIGHT_MODE_LEAVES_OUT } from '../../support/inputs/settings.js';
import { QUICK } from '../../support/dev/quick.js';

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

/** A kafkajs client of the test's own (clientId "control"), with the broker's namespace key. */
function controlClient(): Kafka {
  return localBrokerClient({
    clientId: 'control',
    bootstrap: String(broker.env.FABRIC_KAFKA_BOOTSTRAP),
    login: { caPem: readFileSync(broker.caFile, 'utf8'), password: broker.keys.namespace },
  });
}

const TOPICS = ['telemetry', 'orders'];

/** End offsets summed per topic: how many records the topics hold. */
async function recordCounts(): Promise<Record<string, number>> {
  const admin = controlClient().admin();
  await admin.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of TOPICS) out[t] = (await admin.fetchTopicOffsets(t)).reduce((n, p) => n + Number(p.high), 0);
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Every record the topics hold, read from the beginning with a group of its own, bounded. */
async function allRecords(expected: number): Promise<KafkaMessage[]> {
  const consumer = controlClient().consumer({ groupId: `control-${Date.now()}`, maxWaitTimeInMs: 100 });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: TOPICS, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
    await expect.poll(() => seen.length, { timeout: 30000, interval: 200 }).toBeGreaterThanOrEqual(expected);
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

const envFileOf = () => Object.fromEntries(Object.entries(broker.env).filter((e): e is [string, string] => e[1] !== undefined));

test('the request log sees an all-topic Metadata request when one is sent (the signal is live)', async () => {
  const from = statSync(log).size;
  const admin = controlClient().admin();
  await admin.connect();
  await admin.describeCluster(); // what the preflight used to send
  await admin.disconnect();
  await expect
    .poll(
      () =>
        metadataRequestsSince(from)
          .filter(asksForAllTopics)
          .map((r) => r.clientId),
      { timeout: 10000 },
    )
    .toContain('control');
});

/** One full --project fabric run, shared by the tests that read what it sent: the request log's offset and the topics' record counts before and after it. */
let fullRun: Promise<{ run: SuiteRun; logFrom: number; before: Record<string, number>; after: Record<string, number> }> | undefined;
function aFullRun() {
  fullRun ??= (async () => {
    const logFrom = statSync(log).size;
    const before = await recordCounts();
    const run = await runSuite({ project: 'fabric', envFile: envFileOf(), env: QUICK, timeoutMs: 120000 });
    return { run, logFrom, before, after: await recordCounts() };
  })();
  return fullRun;
}

test('a full --project fabric run sends no all-topic Metadata request, from any of its clients', async () => {
  const { run, logFrom } = await aFullRun();
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
  // Every check ran, the round trip included: nothing was skipped that could have sent one.
  expect(run.cases.find((c) => c.name.includes('reads back every event'))?.status).toBe('pass');
  // The suite's clients all name themselves readiness-<role>-<random> (the control client above does not).
  const requests = (await pollRequests(logFrom)).filter((r) => r.clientId.startsWith('readiness-'));
  expect(requests.length, 'the run sent Metadata requests that the log must show').toBeGreaterThan(0);
  expect(requests.filter(asksForAllTopics).map((r) => `${r.clientId}: ${JSON.stringify(r.topics)}`)).toEqual([]);
});

/** The log is written as the broker completes requests: wait until the run's own requests are in it. */
async function pollRequests(from: number): Promise<LoggedRequest[]> {
  await expect.poll(() => metadataRequestsSince(from).length, { timeout: 10000 }).toBeGreaterThan(0);
  return metadataRequestsSince(from);
}

test('every event a run writes carries the marker header and top-level field, with its check and run', async () => {
  const { run, before, after } = await aFullRun();
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
  const written = TOPICS.reduce((n, t) => n + (after[t] ?? 0) - (before[t] ?? 0), 0);
  expect(written).toBeGreaterThan(500);
  const records = await allRecords((after.telemetry ?? 0) + (after.orders ?? 0));
  const unmarked = records.filter((m) => {
    const header = m.headers?.[MARKER_HEADER]?.toString();
    const field = (JSON.parse(m.value?.toString() ?? '{}') as Record<string, unknown>)[MARKER_FIELD];
    return !header || header !== field || !/^[^/]+\/run-[0-9a-f]+$/.test(header);
  });
  expect(unmarked.length, `unmarked records, e.g. ${unmarked[0]?.value?.toString().slice(0, 200)}`).toBe(0);
});

test('light mode writes a few small events, leaves out the max-rate burst and the near-1 MB event, and says so', async () => {
  const before = await recordCounts();
  const run = await runSuite({ project: 'fabric', envFile: envFileOf(), env: { READINESS_LOAD: 'light' }, timeoutMs: 120000 });
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
  const after = await recordCounts();
  const written = TOPICS.reduce((n, t) => n + (after[t] ?? 0) - (before[t] ?? 0), 0);
  // smoke 1, keyed 1 + 2 + 8 keys, paced 3, round trip 6, and the small event after the size refusal.
  expect(written).toBeLessThanOrEqual(25);
  const leftOut = run.readiness?.checks.filter((c) => c.status === 'Not Run' && c.reason?.includes('READINESS_LOAD=light')).map((c) => c.id);
  expect(leftOut?.sort()).toEqual(LIGHT_MODE_LEAVES_OUT.map((e) => e.id).sort());
  expect(run.readiness?.load).toMatchObject({ mode: 'light', leftOut: LIGHT_MODE_LEAVES_OUT.map((e) => ({ id: e.id })) });
  expect(run.readinessMd).toContain('Light mode (READINESS_LOAD=light)');
});
