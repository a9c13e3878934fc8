// Runs the same Eventstream-shaped broker in Docker (apache/kafka image) through testcontainers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenericContainer, Wait, getContainerRuntimeClient } from 'testcontainers';
import { withDeadline } from '../deadline.js';
import { own } from './cleanup.js';
import {
  awaitReadyAndCreateTopics,
  brokerCredentials,
  brokerEnv,
  DEFAULT_TOPICS,
  freePort,
  kafkaClusterId,
  serverProperties,
  type LocalBroker,
  type LocalBrokerOptions,
} from './layout.js';

/** Same Kafka version as support/broker/pom.xml; override with LOCAL_BROKER_IMAGE. */
export const DEFAULT_IMAGE = 'apache/kafka:4.1.1';

/** Whether a Docker (or compatible) runtime answers within a few seconds. */
export async function dockerAvailable(): Promise<{ ok: boolean; reason?: string }> {
  try {
    await withDeadline(getContainerRuntimeClient(), 8000, 'looking for a Docker runtime');
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `no Docker runtime answered (${(error as Error).message.split('\n')[0]})` };
  }
}

export async function startContainerBroker(options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const log = options.log ?? (() => undefined);
  const topics = options.topics ?? DEFAULT_TOPICS;
  const image = process.env.LOCAL_BROKER_IMAGE || DEFAULT_IMAGE;
  const dir = mkdtempSync(join(tmpdir(), 'eventstream-readiness-container-'));
  const tracked = own({ dir });
  const { ca, caFile, keystorePem, connectionString } = brokerCredentials(dir, topics);
  // The advertised address must be the host port, so it is chosen before the container starts.
  const hostPort = await freePort();
  const properties = serverProperties({
    bindHost: '0.0.0.0',
    controllerPort: 9094,
    plainPort: 19092,
    saslPort: 9093,
    advertisedSaslPort: hostPort,
    dataDir: '/tmp/kraft-data',
    keystore: '/etc/kafka/secrets/server.pem',
    connectionString,
  });
  log(`starting ${image} with testcontainers (SASL_SSL on localhost:${hostPort})...`);
  const started = Date.now();
  try {
    const container = await new GenericContainer(image)
      // The image reads a whole server.properties from /mnt/shared/config ("file input").
      .withCopyContentToContainer([
        { content: properties, target: '/mnt/shared/config/server.properties' },
        { content: keystorePem, target: '/etc/kafka/secrets/server.pem', mode: 0o644 },
      ])
      .withEnvironment({ CLUSTER_ID: kafkaClusterId(), KAFKA_HEAP_OPTS: '-Xms384m -Xmx384m' })
      .withExposedPorts({ container: 9093, host: hostPort })
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(options.startTimeoutMs ?? 120000)
      .start();
    const exited = new Promise<string>(() => undefined);
    try {
      await awaitReadyAndCreateTopics({ via: { kind: 'sasl_ssl', port: hostPort, caPem: ca.certPem, connectionString }, topics, timeoutMs: options.startTimeoutMs ?? 60000, exited });
    } catch (error) {
      await container.stop({ timeout: 5000 }).catch(() => undefined);
      throw error;
    }
    log(`Kafka container ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return {
      kind: 'container',
      env: brokerEnv({ port: hostPort, connectionString, caFile, topics }),
      saslPort: hostPort,
      caFile,
      connectionString,
      stop: async () => {
        // testcontainers' reaper removes the container too if this process dies first.
        await container.stop({ timeout: 10000 }).catch(() => undefined);
        await tracked.release(0);
      },
    };
  } catch (error) {
    await tracked.release(0);
    throw error;
  }
}
