// Picks how the local broker runs (LOCAL_BROKER=auto|jvm|container) and starts it.
import { containerModeReady, startContainerBroker } from './container.js';
import { jvmToolsAvailable, startJvmBroker } from './jvm.js';
import type { LocalBroker, LocalBrokerOptions } from './local-broker.js';
import { DEFAULT_TOPICS, ONE_TOPIC, type TopicSpec } from './topics.js';

export type { LocalBroker, LocalBrokerOptions } from './local-broker.js';
export const BROKER_MODES = ['auto', 'jvm', 'container'] as const;
export type BrokerMode = (typeof BROKER_MODES)[number];

export function brokerMode(raw: string | undefined): BrokerMode {
  const value = (raw ?? '').trim() || 'auto';
  if ((BROKER_MODES as readonly string[]).includes(value)) return value as BrokerMode;
  throw new Error(`LOCAL_BROKER: expected one of ${BROKER_MODES.join(', ')}, got ${JSON.stringify(value)}`);
}

/**
 * LOCAL_BROKER_TOPICS: the Eventstream setup the broker imitates. two (default): telemetry and orders, each with
 * its own key scoped to it (two custom endpoints); one: a single topic both checks use, with its one key.
 */
export const TOPIC_SETUPS = { two: DEFAULT_TOPICS, one: ONE_TOPIC } as const;
export type TopicSetup = keyof typeof TOPIC_SETUPS;

export function topicSetup(raw: string | undefined): TopicSetup {
  const value = (raw ?? '').trim() || 'two';
  if (value in TOPIC_SETUPS) return value as TopicSetup;
  throw new Error(`LOCAL_BROKER_TOPICS: expected one of ${Object.keys(TOPIC_SETUPS).join(', ')}, got ${JSON.stringify(value)}`);
}

export function topicsOf(setup: TopicSetup): readonly TopicSpec[] {
  return TOPIC_SETUPS[setup];
}

/** auto: a container when Docker answers and the image is present (nothing is pulled), else the JVM broker when java and mvn are there, else a clear failure. */
export async function startLocalBroker(mode: BrokerMode, options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  if (mode === 'jvm') return startJvmBroker(options);
  if (mode === 'container') return startContainerBroker(options);
  const docker = await containerModeReady();
  if (docker.ok) return startContainerBroker(options);
  const jvm = jvmToolsAvailable();
  if (jvm.ok) {
    options.log?.(`container mode not ready, using the JVM broker (${docker.reason})`);
    return startJvmBroker(options);
  }
  throw new Error(
    `No way to run a local Kafka broker: ${docker.reason}; ${jvm.reason}. ` +
      'Either start Docker (LOCAL_BROKER=container) or install Java 17+ and Maven (LOCAL_BROKER=jvm).',
  );
}
