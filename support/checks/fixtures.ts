// The checks' test function (test.extend): per-test resources, each created for the check and cleaned up even on failure.
import { inject, test as base } from 'vitest';
import type { Producer } from 'kafkajs';
import type { EndpointConfig } from '../inputs/config.js';
import { checkId, record, requireConnectivity } from './verdict.js';
import { uniqueId } from '../kafka/client.js';
import type { Marker } from '../record/marker.js';
import { ProducerPool } from './producer-pool.js';
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

/** The checks' two connections: the main one (the telemetry topic's) and the orders topic's. */
const CONNECTIONS = { check: (e: EndpointConfig) => e, orders: (e: EndpointConfig) => e.orders } as const;

/**
 * The connection's pooled producer for the duration of `use`. A check that fails takes its producer out of the pool
 * (disconnected, bounded), so no check inherits a connection a failure may have left broken.
 */
async function withPooledProducer(
  pool: ProducerPool,
  o: {
    role: keyof typeof CONNECTIONS;
    endpoint: EndpointConfig;
    settings: Settings;
    throttle: ThrottleMeter;
    onTestFailed: (fn: () => Promise<void>) => void;
  },
  use: (p: Producer) => Promise<void>,
): Promise<void> {
  // Both connections start connecting with the first check that needs a producer: the orders topic's is ready by the burst.
  pool.warm(
    Object.entries(CONNECTIONS).map(([role, of]) => ({ role, connection: of(o.endpoint) })),
    o.settings,
  );
  const { producer, release } = await pool.acquire(o.role, CONNECTIONS[o.role](o.endpoint), o.settings, o.throttle);
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
