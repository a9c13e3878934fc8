// The FABRIC_* environment a local broker hands out: a setup Eventstream accepts, pointing the suite at it.
import { randomBytes } from 'node:crypto';
import type { Env } from '../inputs/settings.js';
import type { BrokerKeys } from './keys.js';
import type { TopicSpec } from './topics.js';
import { CONNECTION_STRING_USERNAME } from '../facts/eventstream.js';

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
    FABRIC_KAFKA_USERNAME: CONNECTION_STRING_USERNAME,
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

/** What a started broker hands out, however it runs: its FABRIC_* settings, SASL port, CA file and keys. */
export function handedOut(options: { kind: 'jvm' | 'container'; port: number; keys: BrokerKeys; caFile: string; topics: readonly TopicSpec[] }) {
  const { kind, port, keys, caFile, topics } = options;
  return { kind, env: brokerEnv({ port, keys, caFile, topics }), saslPort: port, caFile, connectionString: mainKey(keys, topics), keys } as const;
}
