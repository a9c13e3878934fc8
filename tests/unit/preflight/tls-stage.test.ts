// The preflight's TLS stage against a TLS stub (node:tls with a certificate from the local broker's CA code): where a
// run stops at TLS anyway, a stub stands in for a whole broker. Each certificate fault gets its own verdict and
// diagnosis, in-process and in milliseconds. The fault matrix (tests/e2e/fault-matrix.test.ts) proves the same faults
// end to end, one run each, with the exit code, the first failing check, the message and the time bound.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, describe, expect, test } from 'vitest';
import { createCa, issueServerCert, type CertificateAuthority, type KeyAndCert } from '../../../support/broker/certs.js';
import { checkEndpointEnv } from '../../../support/inputs/config.js';
import { readSettings } from '../../../support/inputs/settings.js';
import { runPreflight, type Preflight } from '../../../support/preflight/stages.js';

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'readiness-tls-stage-'));
const servers: Server[] = [];
const held: Socket[] = [];
afterAll(async () => {
  held.forEach((s) => s.destroy());
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

const ca = createCa('tls-stage test CA');

/** A TLS server on loopback that completes the handshake with `cert` and then hangs up: all a TLS probe ever sees. */
async function tlsStub(cert: KeyAndCert): Promise<number> {
  const server = createTlsServer({ key: cert.keyPem, cert: cert.certPem }, (socket) => socket.destroy());
  // A client that gives up mid-handshake resets the connection: nothing to report.
  server.on('tlsClientError', () => undefined);
  return listen(server);
}

/** Accepts TCP and never says a word: what a black-holing proxy looks like. */
async function silentStub(): Promise<number> {
  return listen(createTcpServer((socket) => held.push(socket)));
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

/** The preflight of an endpoint at localhost:`port` that trusts `trusted`, with the given READINESS_* settings. */
async function preflightAt(port: number, trusted: CertificateAuthority, settings: Record<string, string> = {}): Promise<Preflight> {
  const caFile = join(dir, `ca-${randomBytes(4).toString('hex')}.pem`);
  writeFileSync(caFile, trusted.certPem);
  const { config, problems } = checkEndpointEnv({
    FABRIC_KAFKA_BOOTSTRAP: `localhost:${port}`,
    FABRIC_KAFKA_USERNAME: '$ConnectionString',
    FABRIC_KAFKA_PASSWORD: `Endpoint=sb://localhost/;SharedAccessKeyName=k;SharedAccessKey=${randomBytes(32).toString('base64')}`,
    FABRIC_TOPIC_TELEMETRY: 'telemetry',
    FABRIC_TOPIC_ORDERS: 'orders',
    FABRIC_KAFKA_CA_FILE: caFile,
  });
  expect(problems).toEqual([]);
  // One attempt, short deadlines: the stub never speaks Kafka, so the stages after TLS fail fast if they run.
  return runPreflight(config as NonNullable<typeof config>, {
    settings: readSettings({ READINESS_KAFKA_RETRIES: '0', READINESS_KAFKA_CONNECT_TIMEOUT_MS: '1000', ...settings }),
  });
}

/** The run stops at TLS: the TLS stage fails with this class and message, every later stage is not run. */
function expectStopsAtTls(p: Preflight, failureClass: string, message: RegExp): void {
  const tls = p.stages.find((s) => s.stage === 'tls');
  expect(p.failedStage, JSON.stringify(p.stages.map((s) => [s.stage, s.status, s.message]))).toBe('tls');
  expect(p.stages.filter((s) => s.stage === 'dns' || s.stage === 'tcp').map((s) => s.status)).toEqual(['pass', 'pass']);
  expect(tls?.diagnosis?.failureClass).toBe(failureClass);
  expect(tls?.message).toMatch(message);
  expect(p.stages.slice(p.stages.indexOf(tls as never) + 1).map((s) => s.status)).toEqual(['not-run', 'not-run', 'not-run', 'not-run']);
}

describe('the TLS stage judges the certificate it is shown', () => {
  test('a certificate for another host name: a hostname mismatch (tls-hostname)', async () => {
    const port = await tlsStub(issueServerCert(ca, { hosts: ['not-this-host.example'] }));
    expectStopsAtTls(await preflightAt(port, ca), 'tls-hostname', /not valid for localhost/);
  });

  test('an expired certificate: expired (tls-expired), with the date it expired', async () => {
    const notAfter = new Date(Date.now() - DAY);
    const port = await tlsStub(issueServerCert(ca, { hosts: ['localhost'], notBefore: new Date(Date.now() - 10 * DAY), notAfter }));
    expectStopsAtTls(await preflightAt(port, ca), 'tls-expired', /expired on \d{4}-\d\d-\d\dT/);
  });

  test('a certificate from a CA the runner does not trust: untrusted (tls-untrusted)', async () => {
    const port = await tlsStub(issueServerCert(ca, { hosts: ['localhost'] }));
    expectStopsAtTls(await preflightAt(port, createCa('some other CA')), 'tls-untrusted', /is not trusted/);
  });

  test('a listener that accepts TCP and never answers: a TLS timeout (tls-timeout) within READINESS_TLS_TIMEOUT_MS', async () => {
    const port = await silentStub();
    const start = performance.now();
    const p = await preflightAt(port, ca, { READINESS_TLS_TIMEOUT_MS: '300' });
    expectStopsAtTls(p, 'tls-timeout', /no answer within 300 ms/);
    expect(performance.now() - start).toBeLessThan(5000);
  });

  test('a certificate near expiry fails under READINESS_TLS_CERT_FAIL_DAYS and warns under READINESS_TLS_CERT_WARN_DAYS', async () => {
    const port = await tlsStub(issueServerCert(ca, { hosts: ['localhost'], notAfter: new Date(Date.now() + 3.5 * DAY) }));
    const failing = await preflightAt(port, ca);
    expect(failing.failedStage).toBe('tls');
    expect(failing.stages.find((s) => s.stage === 'tls')?.message).toMatch(/3 days to expiry \(fails under 7\)/);
    const warned = await preflightAt(port, ca, { READINESS_TLS_CERT_FAIL_DAYS: '1' });
    const tls = warned.stages.find((s) => s.stage === 'tls');
    expect(tls?.status).toBe('pass');
    expect(tls?.warnings).toEqual([expect.stringMatching(/expires in 3 days \(warning under 30\)/)]);
  });

  test('a good certificate passes, measuring the days to expiry; the run then goes on to SASL', async () => {
    const port = await tlsStub(issueServerCert(ca, { hosts: ['localhost'] }));
    const p = await preflightAt(port, ca);
    const tls = p.stages.find((s) => s.stage === 'tls');
    expect(tls?.status, tls?.message).toBe('pass');
    expect(tls?.measured['days to expiry']).toBeGreaterThanOrEqual(89);
    // The stub speaks no Kafka: the next stage is where this endpoint fails.
    expect(p.failedStage).toBe('sasl');
  });
});
