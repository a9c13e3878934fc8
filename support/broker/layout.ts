// What every local broker looks like, however it runs: an Eventstream-shaped SASL_SSL/PLAIN listener and its topics.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import type { Env } from '../settings.js';
import { DeadlineError, withDeadline } from '../deadline.js';
import { registerSecret } from '../redact.js';
import { createCa, issueServerCert, type CertificateAuthority, type KeyAndCert } from './certs.js';
import { MAX_REQUEST_BYTES_HARD } from '../eventstream.js';

export interface LocalBroker {
  readonly kind: 'jvm' | 'container';
  /** FABRIC_* variables that point the suite at this broker (the password included: never print it). */
  readonly env: Env;
  readonly saslPort: number;
  readonly caFile: string;
  /** The connection string the broker accepts (a secret, like a real one). */
  readonly connectionString: string;
  /** The internal PLAINTEXT listener, for Kafka's admin tools (JVM broker only). */
  readonly adminBootstrap?: string;
  /** The broker process id (JVM broker only), e.g. to kill it in a fault test. */
  readonly pid?: number;
  stop(): Promise<void>;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

export interface LocalBrokerOptions {
  /** Topics created before the broker is handed out. Event Hubs does not auto-create, nor does this broker. */
  readonly topics?: readonly TopicSpec[];
  /** Progress lines for people (start-up can take a while the first time). */
  readonly log?: (line: string) => void;
  /** How long start-up may take, resolution of jars excluded. */
  readonly startTimeoutMs?: number;
}

export const DEFAULT_TOPICS: readonly TopicSpec[] = [
  { name: 'telemetry', partitions: 3 },
  { name: 'orders', partitions: 3 },
];

/** The broker imitates Event Hubs: it refuses requests above the size where the service closes the connection. */
export const MAX_MESSAGE_BYTES = MAX_REQUEST_BYTES_HARD;

export const LOCAL_KEY_NAME = 'key_local';

/**
 * A connection string of Eventstream's shape, with a fresh random key for each broker. Without an entity it is a
 * namespace-level key, which reaches every topic (one of the setups that is valid on Eventstream).
 */
export function localConnectionString(entityPath?: string): string {
  const key = randomBytes(32).toString('base64');
  const value = `Endpoint=sb://localhost/;SharedAccessKeyName=${LOCAL_KEY_NAME};SharedAccessKey=${key}${entityPath ? `;EntityPath=${entityPath}` : ''}`;
  registerSecret(value);
  return value;
}

/** The JAAS line for the broker: `$` is a word character for Kafka's parser; values stay double-quoted. */
export function plainJaas(connectionString: string): string {
  if (connectionString.includes('"')) throw new Error('a connection string for the local broker must not contain a double quote');
  return `org.apache.kafka.common.security.plain.PlainLoginModule required user_$ConnectionString="${connectionString}";`;
}

/** Broker settings shared by the JVM and container brokers, apart from listeners and paths. */
export function eventHubsLikeSettings(connectionString: string): Record<string, string> {
  return {
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': plainJaas(connectionString),
    'ssl.keystore.type': 'PEM',
    'auto.create.topics.enable': 'false',
    'message.max.bytes': String(MAX_MESSAGE_BYTES),
    'socket.request.max.bytes': String(MAX_MESSAGE_BYTES + 1024),
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    // The default (128 MiB, allocated eagerly) does not fit a small heap.
    'log.cleaner.dedupe.buffer.size': '2097152',
  };
}

export interface ListenerPlan {
  /** Address the listeners bind to: 127.0.0.1 for a local JVM, 0.0.0.0 inside a container. */
  readonly bindHost: string;
  readonly controllerPort: number;
  readonly plainPort: number;
  readonly saslPort: number;
  /** The SASL_SSL port clients reach (the mapped host port for a container). */
  readonly advertisedSaslPort: number;
  readonly dataDir: string;
  readonly keystore: string;
  readonly connectionString: string;
}

/** A combined-mode KRaft server.properties with an internal PLAINTEXT listener and the Eventstream-shaped SASL_SSL one. */
export function serverProperties(plan: ListenerPlan, extra: Record<string, string> = {}): string {
  const entries: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${plan.controllerPort}`,
    listeners: `PLAINTEXT://${plan.bindHost}:${plan.plainPort},CONTROLLER://127.0.0.1:${plan.controllerPort},SASL_SSL://${plan.bindHost}:${plan.saslPort}`,
    'advertised.listeners': `PLAINTEXT://localhost:${plan.plainPort},SASL_SSL://localhost:${plan.advertisedSaslPort}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL',
    'log.dirs': plan.dataDir,
    'ssl.keystore.location': plan.keystore,
    ...eventHubsLikeSettings(plan.connectionString),
    ...extra,
  };
  // Java's Properties format: only backslashes need escaping in these values.
  return `${Object.entries(entries)
    .map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}`)
    .join('\n')}\n`;
}

export interface BrokerCredentials {
  readonly ca: CertificateAuthority;
  /** Where the CA certificate clients must trust was written. */
  readonly caFile: string;
  /** Kafka's PEM keystore: the private key and the certificate chain in one file. */
  readonly keystorePem: string;
  readonly connectionString: string;
}

/** A run-local CA and server certificate (or the ones given, e.g. expired on purpose), and a fresh connection string. */
export function brokerCredentials(dir: string, _topics: readonly TopicSpec[], tls?: { ca: CertificateAuthority; server: KeyAndCert }): BrokerCredentials {
  const ca = tls?.ca ?? createCa();
  const server = tls?.server ?? issueServerCert(ca, { hosts: ['localhost', '127.0.0.1'] });
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  return { ca, caFile, keystorePem: `${server.keyPem}${server.certPem}`, connectionString: localConnectionString() };
}

/**
 * A KRaft cluster id: 16 random bytes, base64url. Like Kafka's own Uuid.randomUuid, it never starts with "-",
 * which the storage tool's argument parser would take for an option.
 */
export function kafkaClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export function brokerEnv(options: { port: number; connectionString: string; caFile: string; topics: readonly TopicSpec[] }): Env {
  return {
    FABRIC_KAFKA_BOOTSTRAP: `localhost:${options.port}`,
    FABRIC_KAFKA_USERNAME: '$ConnectionString',
    FABRIC_KAFKA_PASSWORD: options.connectionString,
    FABRIC_TOPIC_TELEMETRY: options.topics[0]?.name ?? 'telemetry',
    FABRIC_TOPIC_ORDERS: options.topics[1]?.name ?? 'orders',
    FABRIC_KAFKA_CA_FILE: options.caFile,
    // The round trip reads back from the same broker, as from an Eventstream custom endpoint destination.
    FABRIC_CONSUMER_BOOTSTRAP: `localhost:${options.port}`,
    FABRIC_CONSUMER_PASSWORD: options.connectionString,
    FABRIC_CONSUMER_TOPIC: options.topics[0]?.name ?? 'telemetry',
    FABRIC_CONSUMER_GROUP: `readiness-${randomBytes(8).toString('hex')}`,
  };
}

/**
 * Waits until a real client logs in over SASL_SSL and gets metadata, then creates the topics.
 * `exited` rejects the wait at once if the broker process dies.
 */
export async function awaitReadyAndCreateTopics(options: {
  /** How to reach the broker: the SASL_SSL listener as clients do, or (for brokers given a faulty certificate on purpose) the internal PLAINTEXT one. */
  via: { kind: 'sasl_ssl'; port: number; caPem: string; connectionString: string } | { kind: 'plaintext'; port: number };
  topics: readonly TopicSpec[];
  timeoutMs: number;
  exited: Promise<string>;
}): Promise<void> {
  const via = options.via;
  const kafka = new Kafka({
    clientId: 'readiness-local-broker',
    brokers: [`localhost:${via.port}`],
    ...(via.kind === 'sasl_ssl'
      ? {
          ssl: { ca: [via.caPem], rejectUnauthorized: true },
          sasl: { mechanism: 'plain' as const, username: '$ConnectionString', password: via.connectionString },
        }
      : {}),
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const deadline = Date.now() + options.timeoutMs;
  let lastError = 'no attempt made';
  let dead: string | undefined;
  void options.exited.then((why) => (dead = why));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`the local broker exited during start-up: ${dead}`);
    const admin = kafka.admin();
    try {
      await withDeadline(admin.connect(), 4000, 'local broker login');
      await withDeadline(admin.describeCluster(), 4000, 'local broker metadata');
      if (options.topics.length > 0) {
        await withDeadline(
          admin.createTopics({ topics: options.topics.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: 1 })), waitForLeaders: true }),
          15000,
          'creating topics on the local broker',
        );
      }
      await admin.disconnect();
      return;
    } catch (error) {
      lastError = error instanceof DeadlineError ? error.message : (error as Error).message;
      await admin.disconnect().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`the local broker was not ready within ${options.timeoutMs} ms (last error: ${lastError})`);
}
