// The gate's fault matrix, before the login: `vitest run --project fabric` as a pipeline runs it, one real fault at a
// time, from a missing variable to a faulty certificate. Each row proves the run fails, at the right check, with the
// right diagnosis, in time, leaking nothing, leaving nothing. Keys and limits: fault-matrix-keys.test.ts; faults of a
// broker of its own: fault-matrix-brokers.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createCa, issueServerCert, type CertificateAuthority, type KeyAndCert } from '../../support/broker/certs.js';
import { freePort } from '../../support/broker/properties.js';
import { CONNECTIVITY_BOUND_MS, expectFault, sharedBrokerFaults } from '../../support/dev/fault-matrix.js';

const { shared, secrets, run, without } = sharedBrokerFaults();

describe('fault matrix on the shared broker, before the login', () => {
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
});
