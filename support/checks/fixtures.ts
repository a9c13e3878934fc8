// The checks' test function (test.extend): per-test resources, each created for the check and cleaned up even on failure.
import { inject, test as base } from 'vitest';
import type { Kafka, Producer } from 'kafkajs';
import type { EndpointConfig } from '../inputs/config.js';
import { checkId, record, requireConnectivity } from './verdict.js';
import { connectWithin, disconnectWithin } from '../core/deadline.js';
import { createKafka, uniqueId } from '../kafka/client.js';
import type { Marker } from '../record/marker.js';
import { createProducer } from '../kafka/produce.js';
import { progressLine, ProgressTicker } from '../core/progress.js';
import type { Settings } from '../inputs/settings.js';
import { ThrottleMeter } from '../core/stats.js';

export interface CheckFixtures {
  settings: Settings;
  /** Present only when connectivity passed: otherwise the check is skipped with the reason. */
  endpoint: EndpointConfig;
  kafka: Kafka;
  /** Throttling the broker asked of this test's clients (throttle_time_ms). */
  throttle: ThrottleMeter;
  /** A producer on the main connection (the telemetry topic's). */
  producer: Producer;
  /** A producer on the orders topic's connection: its own custom endpoint (FABRIC_ORDERS_*), else the main one. */
  ordersProducer: Producer;
  /** Unique per test, carried in every event so a check only counts its own. */
  runId: string;
  /** The run and this check, marked on every event it writes (header and top-level field), for filtering downstream. */
  marker: Marker;
  /** Records what the check measured on its testcase (JUnit properties, readiness report). */
  recordCheck: (input: Parameters<typeof record>[1]) => Promise<void>;
  /** Progress lines for a long check ("burst.max-rate: 1200 of 5000 acknowledged"), at most one a second. */
  progress: (checkId: string) => ProgressTicker;
}

export const check = base.extend<CheckFixtures>({
  settings: async ({}, use) => {
    await use(inject('inputs').settings);
  },
  endpoint: async ({ task, skip, annotate }, use) => {
    await requireConnectivity({ task, skip, annotate });
    // Connectivity passed, so the configuration was valid: global setup parsed it once.
    const { config } = inject('inputs').endpoint;
    if (!config) throw new Error('connectivity passed without a valid configuration');
    await use(config);
  },
  throttle: async ({}, use) => {
    await use(new ThrottleMeter());
  },
  kafka: async ({ endpoint, settings, throttle }, use) => {
    await use(createKafka(endpoint, settings, { clientId: 'readiness-check', onThrottle: (ms) => throttle.add(ms) }));
  },
  producer: async ({ kafka, settings }, use) => {
    await withConnectedProducer(kafka, settings, use);
  },
  ordersProducer: async ({ endpoint, settings, throttle }, use) => {
    const kafka = createKafka(endpoint.orders, settings, { clientId: 'readiness-orders', onThrottle: (ms) => throttle.add(ms) });
    await withConnectedProducer(kafka, settings, use);
  },
  runId: async ({}, use) => {
    await use(uniqueId('run'));
  },
  marker: async ({ task, runId }, use) => {
    await use({ runId, check: checkId({ task }) });
  },
  recordCheck: async ({ task, skip, annotate }, use) => {
    await use((input) => record({ task, skip, annotate }, input));
  },
  progress: async ({}, use) => {
    const profile = inject('profile');
    await use((checkId) => new ProgressTicker((text) => progressLine(profile, `${checkId}: ${text}`)));
  },
});

/** A connected producer for the duration of `use`, disconnected (bounded) even when the check fails. */
async function withConnectedProducer(kafka: Kafka, settings: Settings, use: (p: Producer) => Promise<void>): Promise<void> {
  const producer = createProducer(kafka, settings);
  try {
    await connectWithin(producer, settings.KAFKA_CONNECT_TIMEOUT_MS * 2, 'producer connect');
    await use(producer);
  } finally {
    await disconnectWithin(producer, 5000);
  }
}

/** Settings as the check files are collected (for per-check timeouts); defaults if they are invalid (the Environment check reports that). */
export function collectionSettings(): Settings {
  return inject('inputs').settings;
}

/**
 * Vitest timeouts for the longer checks, always above the sum of the check's own deadlines, so a slow endpoint
 * fails with the check's measured values and diagnosis rather than a bare "Test timed out".
 */
export function checkTimeouts(s: Settings): { send: number; burst: number; roundTrip: number; sizeLimits: number } {
  const setup = s.KAFKA_CONNECT_TIMEOUT_MS * 2 + 10_000;
  return {
    send: setup + s.SEND_TIMEOUT_MS + 5000,
    burst: setup + s.BURST_TIMEOUT_MS + s.SEND_TIMEOUT_MS,
    roundTrip: setup + s.KAFKA_CONNECT_TIMEOUT_MS * 4 + s.KAFKA_REQUEST_TIMEOUT_MS * 4 + s.ROUND_TRIP_TIMEOUT_MS * 2 + s.SEND_TIMEOUT_MS + 10_000,
    sizeLimits: setup + s.SEND_TIMEOUT_MS * 2,
  };
}
