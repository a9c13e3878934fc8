// Per-test resources for the checks (test.extend): each creates what a check needs and cleans it up, even on failure.
import { inject, test as base } from 'vitest';
import type { Kafka, Producer } from 'kafkajs';
import { parseEndpointEnv, type EndpointConfig } from './config.js';
import { record, requireConnectivity } from './checks.js';
import { withDeadline } from './deadline.js';
import { createKafka, uniqueId } from './kafka.js';
import { createProducer } from './producer.js';
import { readSettings, type Settings } from './settings.js';

export interface CheckFixtures {
  settings: Settings;
  /** Present only when connectivity passed: otherwise the check is skipped with the reason. */
  endpoint: EndpointConfig;
  kafka: Kafka;
  /** Throttling the broker asked of this test's clients (throttle_time_ms), added up. */
  throttle: { totalMs: number; responses: number };
  producer: Producer;
  /** Unique per test, carried in every event so a check only counts its own. */
  runId: string;
  /** Records what the check measured on its testcase (JUnit properties, readiness report). */
  recordCheck: (input: Parameters<typeof record>[1]) => Promise<void>;
}

export const check = base.extend<CheckFixtures>({
  settings: async ({}, use) => {
    await use(readSettings(inject('runEnv')));
  },
  endpoint: async ({ task, skip, annotate }, use) => {
    await requireConnectivity({ task, skip, annotate });
    await use(parseEndpointEnv(inject('runEnv')));
  },
  throttle: async ({}, use) => {
    await use({ totalMs: 0, responses: 0 });
  },
  kafka: async ({ endpoint, settings, throttle }, use) => {
    const onThrottle = (ms: number) => {
      throttle.totalMs += ms;
      throttle.responses += 1;
    };
    await use(createKafka(endpoint, settings, { clientId: 'readiness-check', onThrottle }));
  },
  producer: async ({ kafka, settings }, use) => {
    const producer = createProducer(kafka);
    await withDeadline(producer.connect(), settings.KAFKA_CONNECT_TIMEOUT_MS * 2, 'producer connect');
    try {
      await use(producer);
    } finally {
      await withDeadline(producer.disconnect(), 5000, 'producer disconnect').catch(() => undefined);
    }
  },
  runId: async ({}, use) => {
    await use(uniqueId('run'));
  },
  recordCheck: async ({ task, skip, annotate }, use) => {
    await use((input) => record({ task, skip, annotate }, input));
  },
});
