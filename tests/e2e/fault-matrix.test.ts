// The gate's fault matrix: `vitest run --project fabric` as a pipeline runs it, one real fault at a time.
// Each row proves the run fails, at the right check, with the right diagnosis, in time, leaking nothing, leaving nothing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createCa, issueServerCert, type CertificateAuthority, type KeyAndCert } from '../../support/broker/certs.js';
import { setDefaultClientQuota, startJvmBroker } from '../../support/broker/jvm.js';
import type { LocalBroker } from '../../support/broker/local-broker.js';
import { freePort } from '../../support/broker/properties.js';
import { QUICK } from '../../support/dev/quick.js';
import { onceStderrMatches, runSuite, type SuiteRun } from '../../support/dev/run-suite.js';

const shared = inject('selfBroker');
const CONNECTIVITY_BOUND_MS = 30000;
/** A fault the environment check catches never reaches the network: the run is over well before any timeout. */
const ENVIRONMENT_BOUND_MS = 10000;

interface Expectation {
  /** The first failing testcase's name contains this. */
  readonly first: string;
  /** Its failure message matches this (the diagnosis). */
  readonly message: RegExp;
  /** From this test file on (readiness summary excepted), no check after the first failure may pass. */
  readonly dependentsFrom?: string;
  readonly boundMs: number;
  /** Values that must appear nowhere in stdout, stderr, JUnit or the reports. */
  readonly secrets: readonly string[];
}

function secretParts(connectionString: string): string[] {
  const key = /SharedAccessKey=([^;]+)/.exec(connectionString)?.[1];
  return key ? [connectionString, key] : [connectionString];
}

/** What every fault must show: non-zero exit, the right first failure, dependents not passing, bounded, no leak, no leftovers. */
function expectFault(run: SuiteRun, e: Expectation): void {
  const summary = JSON.stringify(run.cases.map((c) => [c.name.slice(0, 60), c.status]));
  expect(run.code, `exit code; cases: ${summary}\n${run.stderr.slice(-1500)}`).not.toBe(0);
  const firstIndex = run.cases.findIndex((c) => c.status === 'fail');
  const first = run.cases[firstIndex];
  expect(first?.name, summary).toContain(e.first);
  expect(first?.failureMessage).toMatch(e.message);
  expect(first?.failureMessage).toMatch(/Likely cause/);
  // Every reproduced failure has a specific cause: none ends as "unknown".
  expect(first?.failureMessage).not.toMatch(/\(unknown\)/);
  if (e.dependentsFrom) {
    const from = e.dependentsFrom;
    const passedAfter = run.cases.slice(firstIndex + 1).filter((c) => c.suite >= from && !c.suite.includes('09-readiness') && c.status === 'pass');
    expect(passedAfter.map((c) => c.name)).toEqual([]);
    const skippedWithoutReason = run.cases.filter((c) => c.status === 'skip' && !c.properties.some((p) => p.name === 'not run'));
    expect(skippedWithoutReason.map((c) => c.name)).toEqual([]);
  }
  expect(run.durationMs).toBeLessThan(e.boundMs);
  for (const secret of e.secrets) expect(run.allOutput.includes(secret), 'a secret was printed or reported').toBe(false);
  expect(run.leftoverProcesses).toEqual([]);
  expect(run.leftoverFiles).toEqual([]);
}

describe('fault matrix on the shared broker', () => {
  let dir: string;
  let silent: Server;
  const held: Socket[] = [];
  let silentPort = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'readiness-faults-'));
    // Accepts TCP and never says a word: what a black-holing proxy looks like.
    silent = createServer((socket) => held.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  const stubs: TlsServer[] = [];
  afterAll(async () => {
    held.forEach((s) => s.destroy());
    await new Promise((r) => silent.close(r));
    await Promise.all(stubs.map((stub) => new Promise((r) => stub.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  /** A TLS server on loopback that completes the handshake with `cert`, then hangs up: all the run sees before it stops. */
  const tlsStub = async (cert: KeyAndCert): Promise<number> => {
    const stub = createTlsServer({ key: cert.keyPem, cert: cert.certPem }, (socket) => socket.destroy());
    // A client that gives up mid-handshake resets the connection: nothing to report.
    stub.on('tlsClientError', () => undefined);
    stubs.push(stub);
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    return (stub.address() as { port: number }).port;
  };
  /** The shared broker's endpoint settings, pointed at localhost:`port` and trusting `ca`. */
  const endpointAt = (port: number, ca: CertificateAuthority): Record<string, string> => {
    const caFile = join(dir, `ca-${port}.pem`);
    writeFileSync(caFile, ca.certPem);
    return { ...shared.env, FABRIC_KAFKA_BOOTSTRAP: `localhost:${port}`, FABRIC_CONSUMER_BOOTSTRAP: `localhost:${port}`, FABRIC_KAFKA_CA_FILE: caFile };
  };

  // Every key the broker issued: none may be printed, whichever a row uses.
  const keys = shared.keys;
  const secrets = [shared.connectionString, ...Object.values(keys.byTopic), keys.namespace, keys.listenOnly].flatMap(secretParts);
  const topicKey = (topic: string): string => keys.byTopic[topic] ?? '';
  const run = (envFile: Record<string, string>, env: Record<string, string> = {}) =>
    runSuite({ project: 'fabric', envFile, env: { ...QUICK, ...env }, timeoutMs: 90000 });
  const without = (name: string) => Object.fromEntries(Object.entries(shared.env).filter(([k]) => k !== name));

  test('a required variable missing fails the environment check naming it', async () => {
    const r = await run(without('FABRIC_TOPIC_ORDERS'));
    expectFault(r, {
      first: 'FABRIC_TOPIC_ORDERS',
      message: /FABRIC_TOPIC_ORDERS: expected a Kafka topic name/,
      dependentsFrom: 'tests/02',
      boundMs: CONNECTIVITY_BOUND_MS,
      secrets,
    });
  });

  test('a malformed bootstrap fails naming FABRIC_KAFKA_BOOTSTRAP and the form expected', async () => {
    const r = await run({ ...shared.env, FABRIC_KAFKA_BOOTSTRAP: `sb://localhost:${shared.saslPort}` });
    expectFault(r, {
      first: 'FABRIC_KAFKA_BOOTSTRAP',
      message: /FABRIC_KAFKA_BOOTSTRAP: expected host, host:port.*URL scheme/s,
      dependentsFrom: 'tests/02',
      boundMs: CONNECTIVITY_BOUND_MS,
      secrets,
    });
  });

  test('a malformed connection string fails naming the missing part, never its value', async () => {
    const broken = shared.connectionString.replace(/SharedAccessKeyName=[^;]+;/, '');
    const r = await run({ ...shared.env, FABRIC_KAFKA_PASSWORD: broken });
    expectFault(r, {
      first: 'FABRIC_KAFKA_PASSWORD',
      message: /without SharedAccessKeyName \(value not shown\)/,
      dependentsFrom: 'tests/02',
      boundMs: CONNECTIVITY_BOUND_MS,
      secrets: [...secrets, broken],
    });
  });

  test('an unresolvable host fails at DNS', async () => {
    const r = await run({ ...shared.env, FABRIC_KAFKA_BOOTSTRAP: 'nothing-here.invalid:9093' });
    expectFault(r, { first: 'DNS:', message: /\(dns\)/, dependentsFrom: 'tests/02', boundMs: CONNECTIVITY_BOUND_MS, secrets });
  });

  test('a refused port fails at TCP', async () => {
    const r = await run({ ...shared.env, FABRIC_KAFKA_BOOTSTRAP: `127.0.0.1:${await freePort()}` });
    expectFault(r, { first: 'TCP:', message: /\(tcp-refused\)/, dependentsFrom: 'tests/02', boundMs: CONNECTIVITY_BOUND_MS, secrets });
  });

  test('a listener that accepts TCP and never answers fails at TLS within the timeout', async () => {
    const r = await run({ ...shared.env, FABRIC_KAFKA_BOOTSTRAP: `localhost:${silentPort}` });
    expectFault(r, { first: 'TLS:', message: /\(tls-timeout\)/, dependentsFrom: 'tests/02', boundMs: CONNECTIVITY_BOUND_MS, secrets });
  });

  // Where the run stops at TLS anyway, a TLS stub with the certificate stands in for a whole broker: the run meets the
  // same handshake (the stages before TLS pass against it), in a fraction of a broker's start-up.
  test('a certificate for another host name fails at TLS as a hostname mismatch', async () => {
    const ca = createCa();
    const port = await tlsStub(issueServerCert(ca, { hosts: ['not-this-host.example'] }));
    const r = await run(endpointAt(port, ca));
    expectFault(r, {
      first: 'TLS:',
      message: /not valid for localhost.*\(tls-hostname\)/s,
      dependentsFrom: 'tests/02',
      boundMs: CONNECTIVITY_BOUND_MS,
      secrets,
    });
  });

  test('an expired certificate fails at TLS as expired', async () => {
    const ca = createCa();
    const day = 86_400_000;
    const port = await tlsStub(issueServerCert(ca, { hosts: ['localhost'], notBefore: new Date(Date.now() - 10 * day), notAfter: new Date(Date.now() - day) }));
    const r = await run(endpointAt(port, ca));
    expectFault(r, {
      first: 'TLS:',
      message: /expired on .*\(tls-expired\)/s,
      dependentsFrom: 'tests/02',
      boundMs: CONNECTIVITY_BOUND_MS,
      secrets,
    });
  });

  test('a certificate from an untrusted CA fails at TLS with the proxy hint', async () => {
    const otherCa = join(dir, 'other-ca.pem');
    writeFileSync(otherCa, createCa('some other CA').certPem);
    const r = await run({ ...shared.env, FABRIC_KAFKA_CA_FILE: otherCa });
    expectFault(r, { first: 'TLS:', message: /\(tls-untrusted\).*FABRIC_KAFKA_CA_FILE/s, dependentsFrom: 'tests/02', boundMs: CONNECTIVITY_BOUND_MS, secrets });
  });

  test('a wrong password fails at SASL as an auth error, and the report says so without either secret', async () => {
    const wrong = shared.connectionString.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${randomBytes(32).toString('base64')}`);
    const r = await run({ ...shared.env, FABRIC_KAFKA_PASSWORD: wrong });
    expectFault(r, {
      first: 'SASL:',
      message: /\(auth\).*\$ConnectionString/s,
      dependentsFrom: 'tests/02',
      boundMs: CONNECTIVITY_BOUND_MS,
      secrets: [...secrets, ...secretParts(wrong)],
    });
    expect(r.readiness?.checks.find((c) => c.id === 'connectivity.sasl')).toMatchObject({ status: 'Action Required', diagnosis: { failureClass: 'auth' } });
    expect(r.readinessMd).toContain('Likely cause:');
  });

  test('a missing topic fails at Topics, naming it', async () => {
    // A namespace key may ask for any topic: the answer is then the topic's absence, not a denial.
    const r = await run({ ...shared.env, FABRIC_ORDERS_PASSWORD: keys.namespace, FABRIC_TOPIC_ORDERS: 'no-such-topic' });
    expectFault(r, { first: 'Topics:', message: /no-such-topic.*\(topic-missing\)/s, dependentsFrom: 'tests/03', boundMs: CONNECTIVITY_BOUND_MS, secrets });
  });

  test("a key scoped to another topic (orders' key for telemetry) fails the environment check on its EntityPath, before any network stage", async () => {
    const r = await run({ ...shared.env, FABRIC_KAFKA_PASSWORD: topicKey('orders'), FABRIC_TOPIC_TELEMETRY: 'telemetry' });
    expectFault(r, {
      first: 'EntityPath',
      message: /EntityPath=orders \(from FABRIC_KAFKA_PASSWORD\), used for FABRIC_TOPIC_TELEMETRY=telemetry/,
      dependentsFrom: 'tests/02',
      boundMs: ENVIRONMENT_BOUND_MS,
      secrets,
    });
    expect(r.stderr).not.toContain('[readiness fabric] dns');
  });

  test("with the EntityPath check relaxed (warn), a key scoped to one topic meets the broker's denial of another at Topics, naming the EntityPath", async () => {
    // One key for both topics (no FABRIC_ORDERS_PASSWORD): the broker answers as Event Hubs, TOPIC_AUTHORIZATION_FAILED for orders.
    const r = await run(without('FABRIC_ORDERS_PASSWORD'), { READINESS_ENTITY_PATH_CHECK: 'warn' });
    expectFault(r, {
      first: 'Topics:',
      message:
        /orders topic "orders" with key key_telemetry from FABRIC_KAFKA_PASSWORD \(EntityPath=telemetry\).*TOPIC_AUTHORIZATION_FAILED.*\(authorization\).*reaches only "telemetry", not "orders"/s,
      dependentsFrom: 'tests/03',
      boundMs: CONNECTIVITY_BOUND_MS,
      secrets,
    });
  });

  test('a Listen-only key: the login works, the first send is denied as authorization, and later checks name that one cause', async () => {
    // Telemetry's Listen-only key (no Send right): every stage passes, since describing the topic is allowed.
    const r = await run({ ...shared.env, FABRIC_KAFKA_PASSWORD: keys.listenOnly });
    expectFault(r, {
      first: 'publishes telemetry events',
      message: /TOPIC_AUTHORIZATION_FAILED|not authorized|\(authorization\)/s,
      boundMs: CONNECTIVITY_BOUND_MS * 2,
      secrets,
    });
    expect(r.cases.find((c) => c.name.includes('publishes telemetry events'))?.failureMessage).toMatch(/\(authorization\)/);
    // The keyed checks fail for the same reason, and say so instead of blaming the connection or the size.
    const keyed = r.cases.filter((c) => c.suite.includes('04-keyed') && c.status === 'fail');
    expect(keyed.length).toBeGreaterThan(0);
    for (const c of keyed) expect(c.failureMessage, c.name).toMatch(/the same authorization denial as "Smoke > publishes telemetry events/);
    // The orders topic, with its own Send key, still takes the burst.
    expect(r.cases.find((c) => c.name.includes('absorbs a max-rate burst'))?.status).toBe('pass');
  });

  test('a key that may not write to the orders topic: every failure names "orders" and the one authorization cause, none a size or a fixed next step', async () => {
    // Orders' Listen-only key: the stages pass (it may describe), telemetry's checks pass, every write to orders is denied.
    const r = await run({ ...shared.env, FABRIC_ORDERS_PASSWORD: keys.listenOnlyByTopic.orders ?? '' });
    expectFault(r, { first: 'acknowledges every order sent', message: /"orders".*\(authorization\)/s, boundMs: CONNECTIVITY_BOUND_MS * 2, secrets });
    const failed = r.cases.filter((c) => c.status === 'fail' && !c.suite.includes('09-readiness'));
    expect(failed.map((c) => c.suite)).toEqual(expect.arrayContaining(['tests/05-burst.test.ts', 'tests/07-size-limits.test.ts']));
    for (const c of failed) {
      expect(c.failureMessage, c.name).toMatch(/"orders"/);
      expect(c.failureMessage, c.name).toMatch(/^Likely cause: .*\(authorization\)$/m);
      expect(c.failureMessage, c.name).not.toMatch(/^Next: the endpoint or the path to it failed during the check/m);
    }
    const message = (title: string) => r.cases.find((c) => c.name.includes(title))?.failureMessage ?? '';
    expect(message('accepts an event just under')).not.toMatch(/bytes was refused|accepts up to 1 MB/);
    expect(message('accepts an event just under')).toMatch(/the same authorization denial as "Burst > acknowledges every order sent/);
    expect(message('refuses an event over the limit')).not.toMatch(/^an event of \d+ bytes|after refusing/);
    expect(message('refuses an event over the limit')).toMatch(/^Next: fix the key's rights or scope first/m);
  });

  test('a key of another namespace (Endpoint=sb://other.servicebus.windows.net/) fails at SASL as an auth error', async () => {
    const elsewhere = shared.connectionString.replace('sb://localhost/', 'sb://other.servicebus.windows.net/');
    const r = await run({ ...shared.env, FABRIC_KAFKA_PASSWORD: elsewhere, FABRIC_CONSUMER_PASSWORD: elsewhere });
    expectFault(r, {
      first: 'SASL:',
      message: /not this namespace.*\(auth\)/s,
      dependentsFrom: 'tests/02',
      boundMs: CONNECTIVITY_BOUND_MS,
      secrets: [...secrets, ...secretParts(elsewhere)],
    });
  });

  test('an event over the size limit fails the size check, naming the limit', async () => {
    // 1,046,520 bytes of JSON plus the record batch overhead is just over the broker's 1,046,528 bytes.
    const r = await run(shared.env, { READINESS_SIZE_ACCEPTED_BYTES: '1046520' });
    expectFault(r, {
      first: 'accepts an event just under the 1 MB limit',
      message: /1046520 bytes was refused.*1 MB.*\(too-large\)/s,
      boundMs: 60000,
      secrets,
    });
  });
});

describe('fault matrix on dedicated brokers', () => {
  let broker: LocalBroker | undefined;
  afterAll(async () => broker?.stop());
  const stopBroker = async () => {
    await broker?.stop();
    broker = undefined;
  };

  const dedicated = async (options: Parameters<typeof startJvmBroker>[0]) => {
    await stopBroker();
    broker = await startJvmBroker(options);
    return broker;
  };
  const envOf = (b: LocalBroker) => Object.fromEntries(Object.entries(b.env).filter((e): e is [string, string] => e[1] !== undefined));

  test('the broker killed in the middle of the burst fails the burst, promptly, and later checks do not pass', async () => {
    const b = await dedicated({});
    const pid = b.pid as number;
    let killedAt = 0;
    const r = await runSuite({
      project: 'fabric',
      envFile: envOf(b),
      // A burst far longer than any run gets to see, so the kill lands in its middle whatever the machine's speed.
      env: { ...QUICK, READINESS_BURST_EVENTS: '3000000', READINESS_PACED_EVENTS: '1' },
      timeoutMs: 120000,
      // The max-rate burst prints its first progress line once its first events are acknowledged: kill then.
      onStart: (child) =>
        onceStderrMatches(child, /\[readiness fabric\] burst\.max-rate: [1-9]\d* of 3000000 acknowledged/, () => {
          killedAt = Date.now();
          process.kill(pid, 'SIGKILL');
        }),
    });
    expect(killedAt, r.stderr.slice(-2000)).toBeGreaterThan(0);
    expectFault(r, {
      first: 'absorbs a max-rate burst',
      message: /events sent failed.*\((connection-lost|tcp-refused|timeout)\)/s,
      dependentsFrom: 'tests/06',
      boundMs: 90000,
      secrets: secretParts(b.connectionString),
    });
    const burst = r.cases.find((c) => c.name.includes('absorbs a max-rate burst'));
    expect(Number(burst?.properties.find((p) => p.name === 'measured: acknowledged')?.value)).toBeGreaterThan(0);
    await stopBroker();
  });

  test('a broker throttling the producer (producer_byte_rate quota) is reported and judged by the throttle threshold', async () => {
    // Kafka measures rates over quota.window.num x quota.window.size.seconds (11 s by default): shorten it,
    // so a short burst already exceeds the quota.
    const b = await dedicated({ properties: { 'quota.window.num': '2', 'quota.window.size.seconds': '1' } });
    await setDefaultClientQuota(b, { producerByteRate: 262144 });
    const r = await runSuite({
      project: 'fabric',
      envFile: envOf(b),
      env: { ...QUICK, READINESS_BURST_EVENTS: '1000', READINESS_PACED_EVENTS: '1', READINESS_BURST_MAX_THROTTLE_MS: '1000' },
      timeoutMs: 120000,
    });
    expectFault(r, {
      first: 'absorbs a max-rate burst',
      message: /throttle total ms \d+ > max 1000.*throttled/s,
      boundMs: 90000,
      secrets: secretParts(b.connectionString),
    });
    const burst = r.cases.find((c) => c.name.includes('absorbs a max-rate burst'));
    expect(Number(burst?.properties.find((p) => p.name === 'measured: throttle total ms')?.value)).toBeGreaterThan(1000);
  });
});
