// Check ids and measured-value names that the checks record and the report, trends and charts read: one spelling each.

/** Ids of the checks whose measurements the report reads back (the regression gate, trends, charts). */
export const CHECK_ID = {
  tcp: 'connectivity.tcp',
  tls: 'connectivity.tls',
  burstMaxRate: 'burst.max-rate',
  roundTrip: 'round-trip',
} as const;

/** Measured values of the max-rate burst that are compared, charted or trended. */
export const BURST_METRIC = {
  eventsPerSec: 'events/s',
  mbPerSec: 'MB/s',
  ackP50: 'ack p50 ms',
  ackP95: 'ack p95 ms',
  ackP99: 'ack p99 ms',
  throttleTotal: 'throttle total ms',
} as const;

/** Measured values of the round trip that are compared, charted or trended. */
export const ROUND_TRIP_METRIC = {
  e2eP50: 'e2e p50 ms',
  e2eP95: 'e2e p95 ms',
  e2eP99: 'e2e p99 ms',
} as const;
