// A local broker's server.properties: the listener plan, the Eventstream-shaped SASL_SSL listener, Event Hubs'
// limits and key checks, and the ports and cluster id a KRaft node needs.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { MAX_REQUEST_BYTES_HARD } from '../facts/eventstream.js';
import { sasJaas, type IssuedKey } from './keys.js';

/** The broker imitates Event Hubs: it refuses requests above the size where the service closes the connection. */
export const MAX_MESSAGE_BYTES = MAX_REQUEST_BYTES_HARD;

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

/**
 * `count` free ports, all different: the OS may hand a just-released port out again at once, and two listeners on
 * one port make Kafka refuse to start.
 */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
