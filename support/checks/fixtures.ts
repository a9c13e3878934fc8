// The checks' test function (test.extend): per-test resources, each created for the check and cleaned up even on failure.
import { inject, test as base } from 'vitest';
import type { Producer } from 'kafkajs';
import type { Connection, EndpointConfig } from '../inputs/config.js';
import { checkId, record, requireConnectivity } from './verdict.js';
import { uniqueId } from '../kafka/client.js';
import type { Marker } from '../record/marker.js';
import { ProducerPool, type SendWay } from './producer-pool.js';
import { progressLine, ProgressTicker } from '../core/progress.js';
import type { Settings } from '../inputs/settings.js';
import { ThrottleMeter } from '../core/stats.js';

export interface CheckFixtures {
  /** The worker's connected producers, one per connection, shared by the checks in turn. */
  producerPool: ProducerPool;
  settings: Settings;
  /** Present only when connectivity passed: otherwise the check is skipped with the reason. */
  endpoint: EndpointConfig;
  /** Throttling the broker asked of this test's clients (throttle_time_ms). */
  throttle: ThrottleMeter;
  /** The connected producer of the main connection (the telemetry topic's), shared with the run's other checks. */
  producer: Producer;
  /** The connected producer of the orders topic's connection (its own custom endpoint, FABRIC_ORDERS_*, else the main one). */
  ordersProducer: Producer;
  /**
   * A second producer of the orders topic's connection that never sends a refused request again (kafkajs retries 0):
   * the size refusal's, whose verdict is the endpoint's first answer.
   */
  refusalProducer: Producer;
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
  producerPool: [
    async ({}, use) => {
      const pool = new ProducerPool();
      await use(pool);
      await pool.close();
    },
    { scope: 'worker' },
  ],
  producer: async ({ producerPool, endpoint, settings, throttle, onTestFailed }, use) => {
    await withPooledProducer(producerPool, { role: 'check', endpoint, settings, throttle, onTestFailed }, use);
  },
  ordersProducer: async ({ producerPool, endpoint, settings, throttle, onTestFailed }, use) => {
    await withPooledProducer(producerPool, { role: 'orders', endpoint, settings, throttle, onTestFailed }, use);
  },
  refusalProducer: async ({ producerPool, endpoint, settings, throttle, onTestFailed }, use) => {
    await withPooledProducer(producerPool, { role: 'refusal', endpoint, settings, throttle, onTestFailed }, use);
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

/**
 * The checks' producers: which connection each uses and how it sends. The main connection (the telemetry topic's),
 * the orders topic's, and the orders topic's again for the size refusal, without resending.
 */
const PRODUCERS = {
  check: { connection: (e: EndpointConfig) => e, way: {} },
  orders: { connection: (e: EndpointConfig) => e.orders, way: {} },
  refusal: { connection: (e: EndpointConfig) => e.orders, way: { retries: 0 } },
} as const satisfies Record<string, { connection: (e: EndpointConfig) => Connection; way: SendWay }>;
type ProducerRole = keyof typeof PRODUCERS;

/**
 * What a producer's first use starts connecting too, so a later check finds it connected: the first check that sends
 * starts the main and the orders connections (the orders one is ready by the burst); the orders producer's first use
 * (the paced burst, which mostly waits out its gaps) starts the refusal producer's (ready by the size limits).
 */
const WARMS: Record<ProducerRole, readonly ProducerRole[]> = {
  check: ['check', 'orders'],
  orders: ['check', 'orders', 'refusal'],
  refusal: ['check', 'orders', 'refusal'],
};

/**
 * The connection's pooled producer for the duration of `use`. A check that fails takes its producer out of the pool
 * (disconnected, bounded), so no check inherits a connection a failure may have left broken.
 */
async function withPooledProducer(
  pool: ProducerPool,
  o: {
    role: ProducerRole;
    endpoint: EndpointConfig;
    settings: Settings;
    throttle: ThrottleMeter;
    onTestFailed: (fn: () => Promise<void>) => void;
  },
  use: (p: Producer) => Promise<void>,
): Promise<void> {
  pool.warm(
    WARMS[o.role].map((role) => ({ role, connection: PRODUCERS[role].connection(o.endpoint), way: PRODUCERS[role].way })),
    o.settings,
  );
  const { connection, way } = PRODUCERS[o.role];
  const { producer, release } = await pool.acquire(o.role, connection(o.endpoint), o.settings, o.throttle, way);
  o.onTestFailed(() => pool.discard(producer));
  try {
    await use(producer);
  } finally {
    release();
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
