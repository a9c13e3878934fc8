// The local broker checks keys as Event Hubs does: EntityPath scoping, namespace keys, rights, and SASL refusals, proven with kafkajs.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test, type TestContext } from 'vitest';
import type { Kafka } from 'kafkajs';
import { CONTAINER_SETUP_COMMAND, dockerAvailable, imagePresent, startContainerBroker } from '../../support/broker/container.js';
import { startJvmBroker } from '../../support/broker/jvm.js';
import type { LocalBroker } from '../../support/broker/local-broker.js';
import { connectWithin, disconnectWithin, withDeadline } from '../../support/core/deadline.js';
import { localBrokerClient, uniqueId } from '../../support/kafka/client.js';

/** Every client call below is bounded by this, well under the test timeout. */
const CALL_MS = 15000;
const TELEMETRY = 'telemetry';
const ORDERS = 'orders';

/** A kafkajs client logging in with `password` as Eventstream clients do; no retries, so a refusal shows at once. */
function clientFor(broker: LocalBroker, password: string): Kafka {
  return localBrokerClient({
    clientId: uniqueId('entity-keys'),
    bootstrap: `localhost:${broker.saslPort}`,
    login: { caPem: readFileSync(broker.caFile, 'utf8'), password },
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retries: 0,
  });
}

/** Asks Metadata for the named topic only (never all topics, which Event Hubs answers unreliably under an entity key). */
async function describeTopic(broker: LocalBroker, password: string, topic: string): Promise<number> {
  const admin = clientFor(broker, password).admin();
  try {
    await connectWithin(admin, CALL_MS, 'admin login');
    const { topics } = await withDeadline(admin.fetchTopicMetadata({ topics: [topic] }), CALL_MS, `metadata for ${topic}`);
    return topics[0]?.partitions.length ?? 0;
  } finally {
    await disconnectWithin(admin, CALL_MS);
  }
}

/** Produces one marked event and resolves with its offset. */
async function produceOne(broker: LocalBroker, password: string, topic: string): Promise<string> {
  const producer = clientFor(broker, password).producer();
  try {
    await connectWithin(producer, CALL_MS, 'producer login');
    const [ack] = await withDeadline(
      producer.send({ topic, acks: -1, messages: [{ value: JSON.stringify({ entityKeysSelfTest: true }) }] }),
      CALL_MS,
      `produce to ${topic}`,
    );
    return ack?.baseOffset ?? '';
  } finally {
    await disconnectWithin(producer, CALL_MS);
  }
}

/** Reads the topic's offsets (what a consumer asks before fetching). */
async function topicOffsets(broker: LocalBroker, password: string, topic: string): Promise<number> {
  const admin = clientFor(broker, password).admin();
  try {
    await connectWithin(admin, CALL_MS, 'admin login');
    return (await withDeadline(admin.fetchTopicOffsets(topic), CALL_MS, `offsets of ${topic}`)).length;
  } finally {
    await disconnectWithin(admin, CALL_MS);
  }
}

/** What Event Hubs answers for a topic the key may not reach: the login works, the topic is denied. */
async function expectTopicDenied(work: Promise<unknown>): Promise<void> {
  const error: Error & { type?: string } = await work.then(
    () => new Error('the broker allowed it'),
    (e: unknown) => e as Error & { type?: string },
  );
  expect(`${error.name}: ${error.message} (${error.type ?? 'no type'})`).toMatch(/TOPIC_AUTHORIZATION_FAILED|Topic authorization failed/);
}

/** A refused login: kafkajs' SASL error, with the broker's reason (never the key). */
async function expectSaslRefused(work: Promise<unknown>, reason: RegExp, secret: string): Promise<void> {
  const error = await work.then(
    () => new Error('the broker accepted the login'),
    (e: unknown) => e as Error,
  );
  expect(error.name).toBe('KafkaJSSASLAuthenticationError');
  expect(error.message).toMatch(/SASL PLAIN authentication failed/);
  expect(error.message).toMatch(reason);
  expect(error.message).not.toContain(secret);
}

const keyOf = (broker: LocalBroker, topic: string): string => {
  const key = broker.keys.byTopic[topic];
  if (!key) throw new Error(`the broker issued no key for ${topic}`);
  return key;
};
const secretOf = (connectionString: string): string => /SharedAccessKey=([^;]+)/.exec(connectionString)?.[1] ?? connectionString;

/** Container mode runs where LOCAL_BROKER_IMAGE is set, as tests/e2e/container-mode.test.ts: skipped without Docker or the image, failing in CI. */
async function containerSetup(): Promise<{ ok: true; image: string } | { ok: false; reason: string }> {
  const image = process.env.LOCAL_BROKER_IMAGE;
  if (!image) return { ok: false, reason: 'LOCAL_BROKER_IMAGE is not set' };
  const docker = await dockerAvailable();
  if (!docker.ok) return { ok: false, reason: docker.reason ?? 'no Docker runtime' };
  return (await imagePresent(image).catch(() => false)) ? { ok: true, image } : { ok: false, reason: `image ${image} is not present` };
}
const container = await containerSetup();

const MODES = [
  { mode: 'jvm', start: () => startJvmBroker({}) },
  ...(process.env.LOCAL_BROKER_IMAGE
    ? [{ mode: 'container', start: () => (container.ok ? startContainerBroker({ image: container.image }) : Promise.reject(new Error('unreachable'))) }]
    : []),
] as const;

describe.each(MODES)('keys checked as Event Hubs does ($mode broker)', ({ mode, start }) => {
  let broker: LocalBroker | undefined;
  const ready = (ctx: TestContext): LocalBroker => {
    if (mode === 'container' && !container.ok) {
      const hint = `${container.reason}; set it up with \`${CONTAINER_SETUP_COMMAND}\``;
      if (process.env.CI === 'true') throw new Error(`container mode cannot be proven in CI: ${hint}`);
      ctx.skip(hint);
    }
    if (!broker) throw new Error('the broker did not start (see beforeAll)');
    return broker;
  };
  beforeAll(async () => {
    if (mode === 'container' && !container.ok) return;
    broker = await start();
  }, 180000);
  afterAll(async () => broker?.stop());

  test('a key scoped to its topic (EntityPath) describes it and writes to it', async (ctx) => {
    const b = ready(ctx);
    expect(await describeTopic(b, keyOf(b, TELEMETRY), TELEMETRY)).toBe(3);
    expect(await produceOne(b, keyOf(b, TELEMETRY), TELEMETRY)).toMatch(/^\d+$/);
  });

  test('a key scoped to one topic gets TOPIC_AUTHORIZATION_FAILED on another existing topic: metadata, produce and offsets', async (ctx) => {
    const b = ready(ctx);
    await expectTopicDenied(describeTopic(b, keyOf(b, TELEMETRY), ORDERS));
    await expectTopicDenied(produceOne(b, keyOf(b, TELEMETRY), ORDERS));
    await expectTopicDenied(topicOffsets(b, keyOf(b, ORDERS), TELEMETRY));
  });

  test('a namespace key (no EntityPath) reaches both topics', async (ctx) => {
    const b = ready(ctx);
    expect(b.keys.namespace).not.toMatch(/EntityPath=/);
    for (const topic of [TELEMETRY, ORDERS]) {
      expect(await describeTopic(b, b.keys.namespace, topic)).toBe(3);
      expect(await produceOne(b, b.keys.namespace, topic)).toMatch(/^\d+$/);
    }
  });

  test('a Listen-only key logs in and describes its topic, but produce is denied', async (ctx) => {
    const b = ready(ctx);
    expect(await describeTopic(b, b.keys.listenOnly, TELEMETRY)).toBe(3);
    expect(await topicOffsets(b, b.keys.listenOnly, TELEMETRY)).toBe(3);
    await expectTopicDenied(produceOne(b, b.keys.listenOnly, TELEMETRY));
  });

  test.for([
    {
      name: 'a key of another namespace (Endpoint=sb://other.servicebus.windows.net/)',
      alter: (cs: string) => cs.replace('sb://localhost/', 'sb://other.servicebus.windows.net/'),
      reason: /Endpoint \(sb:\/\/other\.servicebus\.windows\.net\/\) is not this namespace/,
    },
    {
      name: 'a wrong SharedAccessKey',
      alter: (cs: string) => cs.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${Buffer.alloc(32, 7).toString('base64')}`),
      reason: /invalid SharedAccessKeyName or SharedAccessKey/,
    },
    {
      name: 'an unknown SharedAccessKeyName',
      alter: (cs: string) => cs.replace(/SharedAccessKeyName=[^;]+/, 'SharedAccessKeyName=no_such_policy'),
      reason: /invalid SharedAccessKeyName or SharedAccessKey/,
    },
    {
      name: "a topic's key naming another EntityPath",
      alter: (cs: string) => cs.replace(`EntityPath=${TELEMETRY}`, `EntityPath=${ORDERS}`),
      reason: /belongs to EntityPath=telemetry, not EntityPath=orders/,
    },
  ])('SASL authentication fails for $name', async ({ alter, reason }, ctx) => {
    const b = ready(ctx);
    const presented = alter(keyOf(b, TELEMETRY));
    expect(presented).not.toBe(keyOf(b, TELEMETRY));
    await expectSaslRefused(describeTopic(b, presented, TELEMETRY), reason, secretOf(keyOf(b, TELEMETRY)));
  });
});
