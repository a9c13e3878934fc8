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
  /** The first topic's own key (EntityPath=that topic): what FABRIC_KAFKA_PASSWORD holds. A secret, like a real one. */
  readonly connectionString: string;
  /** Every connection string the broker issued, for self tests (secrets: never print them). */
  readonly keys: BrokerKeys;
  /** The internal PLAINTEXT listener, for Kafka's admin tools (JVM broker only). */
  readonly adminBootstrap?: string;
  /** The emulator-shaped SASL_PLAINTEXT listener's port, when the broker was started with one. */
  readonly emulatorPort?: number;
  /** The broker process id (JVM broker only), e.g. to kill it in a fault test. */
  readonly pid?: number;
  stop(): Promise<void>;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** A custom endpoint destination's topic: what a relay (the "eventstream") writes and the round trip reads. */
  readonly destination?: boolean;
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

/** The other setup valid on Eventstream: one topic (one custom endpoint) for both checks, with its one key. */
export const ONE_TOPIC: readonly TopicSpec[] = [{ name: 'telemetry', partitions: 3 }];

/** The broker imitates Event Hubs: it refuses requests above the size where the service closes the connection. */
export const MAX_MESSAGE_BYTES = MAX_REQUEST_BYTES_HARD;

/** The namespace the broker's keys name (Endpoint=sb://localhost/): a key for another namespace fails SASL. */
export const LOCAL_NAMESPACE_HOST = 'localhost';
/** Event Hubs' default namespace-level policy: Manage, Send and Listen on every event hub. */
export const NAMESPACE_KEY_NAME = 'RootManageSharedAccessKey';

/** Event Hubs SAS rights: Send writes, Listen reads, Manage does everything (creating topics included). */
export type KeyRight = 'send' | 'listen' | 'manage';

/** One key the broker issued, as an Event Hubs shared access policy. */
export interface IssuedKey {
  readonly name: string;
  /** The topic (event hub) the key is scoped to; none for a namespace-level key. */
  readonly entity?: string;
  readonly rights: readonly KeyRight[];
  /** Endpoint=sb://localhost/;SharedAccessKeyName=...;SharedAccessKey=...[;EntityPath=...]: a secret. */
  readonly connectionString: string;
}

/** The connection strings a broker issued (secrets). */
export interface BrokerKeys {
  /** Each topic's own key, Send and Listen, EntityPath=the topic: what an Eventstream custom endpoint hands out. */
  readonly byTopic: Readonly<Record<string, string>>;
  /** The namespace-level key (no EntityPath): reaches every topic. */
  readonly namespace: string;
  /** A Listen-only key for the first topic: it may log in, describe and read, not write. */
  readonly listenOnly: string;
}

/**
 * Event Hubs' classes behind the broker's key checks (support/broker/sas-keys, on the broker's classpath): a SASL
 * server that reads the password as a connection string, found through the JCA provider Kafka installs from
 * security.providers; the callback handler holding the issued keys; the authorizer scoping a key to its EntityPath.
 */
export const SAS_KEYS_CLASSES = {
  providerCreator: 'eventstream.readiness.sas.SasKeysProviderCreator',
  callbackHandler: 'eventstream.readiness.sas.SasKeyCallbackHandler',
  authorizer: 'eventstream.readiness.sas.EntityAuthorizer',
} as const;

/** A key's name as a JAAS option may carry it (Kafka's JAAS parser takes letters, digits and "_" safely). */
function keyName(prefix: string, topic: string): string {
  return `${prefix}_${topic.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** A fresh random key (32 bytes, base64, as Event Hubs issues), registered as a secret at once. */
function issueKey(name: string, rights: readonly KeyRight[], entity?: string): IssuedKey & { readonly secret: string } {
  const secret = randomBytes(32).toString('base64');
  const connectionString = `Endpoint=sb://${LOCAL_NAMESPACE_HOST}/;SharedAccessKeyName=${name};SharedAccessKey=${secret}${entity ? `;EntityPath=${entity}` : ''}`;
  registerSecret(connectionString);
  registerSecret(secret);
  return { name, entity, rights, secret, connectionString };
}

/** The keys a broker issues: one per topic scoped to it, a Listen-only one for the first topic, and a namespace key. */
export function issueKeys(topics: readonly TopicSpec[]): (IssuedKey & { readonly secret: string })[] {
  const names = new Set<string>();
  // Topic names that differ only in punctuation would give one key name twice: number the later ones.
  const unique = (name: string, i: number) => (names.has(name) ? `${name}_${i}` : name);
  const perTopic = topics.map((t, i) => {
    const name = unique(keyName('key', t.name), i);
    names.add(name);
    return issueKey(name, ['send', 'listen'], t.name);
  });
  const first = topics[0]?.name ?? 'telemetry';
  return [...perTopic, issueKey(keyName('listen', first), ['listen'], first), issueKey(NAMESPACE_KEY_NAME, ['manage', 'send', 'listen'])];
}

/** Hands the issued keys out by role. */
export function brokerKeys(keys: readonly IssuedKey[]): BrokerKeys {
  const namespace = keys.find((k) => !k.entity);
  const listenOnly = keys.find((k) => k.entity && !k.rights.includes('send'));
  if (!namespace || !listenOnly) throw new Error('the broker issues a namespace key and a Listen-only key');
  const byTopic: Record<string, string> = {};
  for (const k of keys) if (k.entity && k.rights.includes('send')) byTopic[k.entity] ??= k.connectionString;
  return { byTopic, namespace: namespace.connectionString, listenOnly: listenOnly.connectionString };
}

/**
 * The JAAS line for the SASL_SSL listener: the keys as options of the login module, read by the callback handler
 * (sas_NAME="ENTITY RIGHTS KEY", ENTITY "*" for the namespace). `$` and most punctuation are fine inside Kafka's
 * double-quoted JAAS values; a double quote is not.
 */
export function sasJaas(keys: readonly (IssuedKey & { readonly secret: string })[]): string {
  const options = keys.map((k) => {
    const value = `${k.entity ?? '*'} ${k.rights.join(',')} ${k.secret}`;
    if (/["\\]/.test(value)) throw new Error(`key ${k.name}: a value for the local broker's JAAS config must not contain a double quote or backslash`);
    return `sas_${k.name}="${value}"`;
  });
  return `org.apache.kafka.common.security.plain.PlainLoginModule required endpoint_host="${LOCAL_NAMESPACE_HOST}" ${options.join(' ')};`;
}

/** Broker settings shared by the JVM and container brokers, apart from listeners and paths. */
export function eventHubsLikeSettings(keys: readonly (IssuedKey & { readonly secret: string })[]): Record<string, string> {
  return {
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': sasJaas(keys),
    'listener.name.sasl_ssl.plain.sasl.server.callback.handler.class': SAS_KEYS_CLASSES.callbackHandler,
    // Kafka puts these JCA providers ahead of its own PLAIN one: our SASL server answers PLAIN logins.
    'security.providers': SAS_KEYS_CLASSES.providerCreator,
    'authorizer.class.name': SAS_KEYS_CLASSES.authorizer,
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
  /** The keys the SASL_SSL listener accepts. */
  readonly keys: readonly (IssuedKey & { readonly secret: string })[];
  /**
   * A SASL_PLAINTEXT listener shaped like the Event Hubs emulator's (same keys, no TLS), for proving the suite's
   * emulator path against a real broker; never used by the local profile.
   */
  readonly emulatorPort?: number;
}

/** A combined-mode KRaft server.properties with an internal PLAINTEXT listener and the Eventstream-shaped SASL_SSL one. */
export function serverProperties(plan: ListenerPlan, extra: Record<string, string> = {}): string {
  const emulator: { listener: string; advertised: string; map: string; settings: Record<string, string> } = plan.emulatorPort
    ? {
        listener: `,EMULATOR://${plan.bindHost}:${plan.emulatorPort}`,
        advertised: `,EMULATOR://localhost:${plan.emulatorPort}`,
        map: ',EMULATOR:SASL_PLAINTEXT',
        settings: {
          'listener.name.emulator.plain.sasl.jaas.config': sasJaas(plan.keys),
          'listener.name.emulator.plain.sasl.server.callback.handler.class': SAS_KEYS_CLASSES.callbackHandler,
        },
      }
    : { listener: '', advertised: '', map: '', settings: {} };
  const entries: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${plan.controllerPort}`,
    listeners: `PLAINTEXT://${plan.bindHost}:${plan.plainPort},CONTROLLER://127.0.0.1:${plan.controllerPort},SASL_SSL://${plan.bindHost}:${plan.saslPort}${emulator.listener}`,
    'advertised.listeners': `PLAINTEXT://localhost:${plan.plainPort},SASL_SSL://localhost:${plan.advertisedSaslPort}${emulator.advertised}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': `CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL${emulator.map}`,
    ...emulator.settings,
    'log.dirs': plan.dataDir,
    'ssl.keystore.location': plan.keystore,
    ...eventHubsLikeSettings(plan.keys),
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
  /** Everything the broker issued, secrets included, for its server.properties. */
  readonly issued: readonly (IssuedKey & { readonly secret: string })[];
  readonly keys: BrokerKeys;
}

/** A run-local CA and server certificate (or the ones given, e.g. expired on purpose), and fresh keys for these topics. */
export function brokerCredentials(dir: string, topics: readonly TopicSpec[], tls?: { ca: CertificateAuthority; server: KeyAndCert }): BrokerCredentials {
  const ca = tls?.ca ?? createCa();
  const server = tls?.server ?? issueServerCert(ca, { hosts: ['localhost', '127.0.0.1'] });
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  const issued = issueKeys(topics);
  return { ca, caFile, keystorePem: `${server.keyPem}${server.certPem}`, issued, keys: brokerKeys(issued) };
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

/** The key FABRIC_KAFKA_PASSWORD gets: the first topic's own, else (no topics) the namespace key. */
export function mainKey(keys: BrokerKeys, topics: readonly TopicSpec[]): string {
  return keys.byTopic[topics[0]?.name ?? ''] ?? keys.namespace;
}

/**
 * FABRIC_* for a setup that is valid on Eventstream, where a key with an EntityPath reaches its own topic only:
 * with two topics, each with its own key (two custom endpoints on one namespace; FABRIC_ORDERS_BOOTSTRAP stays
 * unset, it is the same broker); with one topic, both checks use it with its one key. Without topics, the
 * namespace key (which reaches every topic).
 */
export function brokerEnv(options: { port: number; keys: BrokerKeys; caFile: string; topics: readonly TopicSpec[] }): Env {
  const sources = options.topics.filter((t) => !t.destination);
  const destination = options.topics.find((t) => t.destination)?.name;
  const telemetry = sources[0]?.name ?? 'telemetry';
  const orders = sources.length === 1 ? telemetry : (sources[1]?.name ?? 'orders');
  const keyOf = (topic: string) => options.keys.byTopic[topic] ?? options.keys.namespace;
  return {
    FABRIC_KAFKA_BOOTSTRAP: `localhost:${options.port}`,
    FABRIC_KAFKA_USERNAME: '$ConnectionString',
    FABRIC_KAFKA_PASSWORD: keyOf(telemetry),
    FABRIC_TOPIC_TELEMETRY: telemetry,
    FABRIC_TOPIC_ORDERS: orders,
    ...(orders !== telemetry ? { FABRIC_ORDERS_PASSWORD: keyOf(orders) } : {}),
    FABRIC_KAFKA_CA_FILE: options.caFile,
    // The round trip reads back from the same broker, as from an Eventstream custom endpoint destination, with
    // the key of the topic it reads.
    FABRIC_CONSUMER_BOOTSTRAP: `localhost:${options.port}`,
    FABRIC_CONSUMER_PASSWORD: keyOf(destination ?? telemetry),
    FABRIC_CONSUMER_TOPIC: destination ?? telemetry,
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
