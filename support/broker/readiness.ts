// Waiting for a local broker to take logins and metadata requests, then creating its topics.
import { setTimeout as sleep } from 'node:timers/promises';
import { connectWithin, DeadlineError, disconnectWithin, withDeadline } from '../core/deadline.js';
import { localBrokerClient } from '../kafka/client.js';
import type { TopicSpec } from './topics.js';

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
  const kafka = localBrokerClient({
    clientId: 'readiness-local-broker',
    bootstrap: `localhost:${via.port}`,
    ...(via.kind === 'sasl_ssl' ? { login: { caPem: via.caPem, password: via.connectionString } } : {}),
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retries: 0,
  });
  const deadline = Date.now() + options.timeoutMs;
  let lastError = 'no attempt made';
  let dead: string | undefined;
  void options.exited.then((why) => (dead = why));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`the local broker exited during start-up: ${dead}`);
    const admin = kafka.admin();
    try {
      await connectWithin(admin, 4000, 'local broker login');
      await withDeadline(admin.describeCluster(), 4000, 'local broker metadata');
      if (options.topics.length > 0) {
        await withDeadline(
          admin.createTopics({
            topics: options.topics.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: 1 })),
            waitForLeaders: true,
          }),
          15000,
          'creating topics on the local broker',
        );
        // The group coordinator of a fresh broker is not available until __consumer_offsets has a leader; Event Hubs'
        // always is. Ready means a consumer group can be used, or the first round trip races its creation.
        const first = options.topics[0]?.name ?? '';
        await withDeadline(admin.fetchOffsets({ groupId: 'readiness-local-broker-ready', topics: [first] }), 10000, 'the group coordinator');
      }
      await disconnectWithin(admin, 4000);
      return;
    } catch (error) {
      lastError = error instanceof DeadlineError ? error.message : (error as Error).message;
      await disconnectWithin(admin, 4000);
      await sleep(250);
    }
  }
  throw new Error(`the local broker was not ready within ${options.timeoutMs} ms (last error: ${lastError})`);
}
