// Runs `vitest run --project fabric` the way a pipeline does, against the local broker and against dead endpoints.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { brokerMode, startLocalBroker, type LocalBroker } from '../../support/broker/index.js';
import { freePort } from '../../support/broker/layout.js';
import { runSuite, type SuiteRun } from '../../support/self/run-suite.js';

let broker: LocalBroker;
beforeAll(async () => {
  broker = await startLocalBroker(brokerMode(process.env.LOCAL_BROKER));
}, 120000);
afterAll(async () => broker?.stop());

function firstFailure(run: SuiteRun) {
  return run.cases.find((c) => c.status === 'fail');
}

/** The run failed, first at the case whose name starts with `prefix`, and nothing after it passed. */
function expectFailedAt(run: SuiteRun, prefix: string, messagePattern: RegExp): void {
  expect(run.code, run.stderr.slice(-2000)).not.toBe(0);
  const first = firstFailure(run);
  expect(first?.name, JSON.stringify(run.cases.map((c) => [c.name, c.status]))).toContain(prefix);
  expect(first?.failureMessage).toMatch(messagePattern);
  expect(first?.failureMessage).toMatch(/Likely cause/);
  const after = run.cases.slice(run.cases.indexOf(first!) + 1).filter((c) => c.suite.includes('connectivity'));
  expect(after.every((c) => c.status === 'skip')).toBe(true);
}

describe('the fabric profile run as a pipeline runs it', () => {
  test('passes against a healthy endpoint, exit code 0, every check a named testcase', async () => {
    const run = await runSuite({ project: 'fabric', envFile: broker.env as Record<string, string>, timeoutMs: 90000 });
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(run.cases.length).toBeGreaterThanOrEqual(14);
    expect(run.cases.filter((c) => c.status !== 'pass')).toEqual([]);
    const tls = run.cases.find((c) => c.name.includes('TLS:'));
    expect(tls?.properties.map((p) => p.name)).toContain('measured: days to expiry');
    expect(run.allOutput).not.toContain(broker.connectionString);
  });

  test('a wrong password fails on the SASL check with an auth hint, and neither secret is printed anywhere', async () => {
    const wrong = broker.connectionString.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=d3Jvbmcta2V5LXRoYXQtaXMtbm90LXJpZ2h0');
    const run = await runSuite({ project: 'fabric', envFile: { ...(broker.env as Record<string, string>), FABRIC_KAFKA_PASSWORD: wrong }, timeoutMs: 60000 });
    expectFailedAt(run, 'SASL:', /\(auth\)/);
    expect(run.allOutput).not.toContain(wrong);
    expect(run.allOutput).not.toContain('d3Jvbmcta2V5LXRoYXQtaXMtbm90LXJpZ2h0');
    expect(run.allOutput).not.toContain(broker.connectionString);
  });

  test('a missing variable fails the environment check naming it', async () => {
    const { FABRIC_TOPIC_ORDERS: _, ...rest } = broker.env as Record<string, string>;
    const run = await runSuite({ project: 'fabric', envFile: rest, timeoutMs: 60000 });
    expect(run.code).not.toBe(0);
    expect(firstFailure(run)?.name).toContain('FABRIC_TOPIC_ORDERS');
    expect(firstFailure(run)?.failureMessage).toMatch(/FABRIC_TOPIC_ORDERS: expected a Kafka topic name/);
    expect(run.cases.filter((c) => c.name.includes('SASL:')).map((c) => c.status)).toEqual(['skip']);
  });
});

describe('an unreachable endpoint is judged, failing, in under 30 s', () => {
  let silent: Server;
  const held: Socket[] = [];
  let silentPort = 0;
  beforeAll(async () => {
    // Accepts TCP and never says a word: what a black-holing proxy looks like.
    silent = createServer((socket) => held.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    held.forEach((s) => s.destroy());
    await new Promise((r) => silent.close(r));
  });

  const endpoint = (bootstrap: string) => ({ ...(broker.env as Record<string, string>), FABRIC_KAFKA_BOOTSTRAP: bootstrap });

  test.each([
    ['an unresolvable host', async (): Promise<string> => 'nothing-here.invalid:9093', 'DNS:', /\(dns\)/],
    ['a refused port', async (): Promise<string> => `127.0.0.1:${await freePort()}`, 'TCP:', /\(tcp-refused\)/],
    ['a listener that accepts TCP and never answers', async (): Promise<string> => `localhost:${silentPort}`, 'TLS:', /\(tls-timeout\)/],
  ] as const)('%s', async (_name, bootstrap, stage, pattern) => {
    const run = await runSuite({ project: 'fabric', envFile: endpoint(await bootstrap()), timeoutMs: 45000 });
    expectFailedAt(run, stage, pattern);
    expect(run.durationMs).toBeLessThan(30000);
  });
});
