// Check ids and measured-value names that the checks record and the report, regression gate, trends and charts read:
// one spelling each. The ids are frozen: they were derived from the titles once, and baselines written since match them.

/** Every check's id. A title may change; its id may not (users' baselines and pipelines key on it). */
export const CHECK_ID = {
  envBootstrap: 'environment.bootstrap',
  envUsername: 'environment.username',
  envPassword: 'environment.password',
  envTopicTelemetry: 'environment.fabric_topic_telemetry',
  envTopicOrders: 'environment.fabric_topic_orders',
  envOrdersEndpoint: 'environment.orders-endpoint',
  envEntityPath: 'environment.entity-path',
  envSecurityProtocol: 'environment.security_protocol',
  envAllReported: 'environment.all-reported',
  envCaFile: 'environment.ca_file',
  envSettings: 'environment.settings',
  cpIdentity: 'eventstream.identity',
  cpEventstream: 'eventstream.found',
  cpSources: 'eventstream.sources',
  cpDestinations: 'eventstream.destinations',
  cpCustomEndpoint: 'eventstream.custom-endpoint',
  cpTestEvents: 'eventstream.test-events-filtered',
  dns: 'connectivity.dns',
  tcp: 'connectivity.tcp',
  tls: 'connectivity.tls',
  sasl: 'connectivity.sasl',
  metadata: 'connectivity.metadata',
  brokers: 'connectivity.brokers',
  topics: 'connectivity.topics',
  smoke: 'smoke.publishes-telemetry-events-as-json-each-acknowledged-with-a-',
  keyedAck: 'keyed-delivery.acknowledges-the-keyed-event-sensor-42-status-rpm-with-a-par',
  keyedOrder: 'keyed-delivery.lands-repeated-sends-of-one-key-on-one-partition-with-strict',
  keyedMurmur2: 'keyed-delivery.puts-each-key-on-the-partition-java-s-murmur2-partitioner-as',
  burstPaced: 'burst.paced',
  burstMaxRate: 'burst.max-rate',
  roundTrip: 'round-trip',
  sizeAccepted: 'size-limits.accepts-an-event-just-under-the-1-mb-limit',
  sizeRefused: 'size-limits.refuses-an-event-over-the-limit-1046528-bytes-without-hangin',
  authRefusal: 'auth-refusal.refuses-a-producer-with-a-wrong-password-as-an-authenticatio',
  secretsStored: 'readiness.secrets-stored',
  monitoringDefined: 'readiness.monitoring-defined',
  regressionChecks: 'readiness.regression-checks',
  regressionPerformance: 'readiness.regression-performance',
  trend: 'readiness.trend',
  /** One shard of the sharded capacity load test (READINESS_SHARD); runs only in that mode. */
  capacityShard: 'capacity.shard',
  /** The merged shards' verdict against READINESS_CAPACITY_TARGET_* (written by `npm run capacity:merge`). */
  capacityTarget: 'capacity.target',
} as const;

export type CheckId = (typeof CHECK_ID)[keyof typeof CHECK_ID];

/**
 * Ids no check reports any more. A baseline written before may still hold them: the regression gate lists them as not
 * compared instead of "passed before, missing now" (see CHANGELOG.md for what each became).
 */
export const RETIRED_CHECK_ID = {
  /** The "is Eventstream enough?" assessment: it informs in the report's assessment section, never as a check. */
  assessment: 'readiness.assessment',
} as const;

const RETIRED: ReadonlySet<string> = new Set(Object.values(RETIRED_CHECK_ID));

/** Whether a check id is one no check reports any more. */
export function isRetiredCheckId(id: string): boolean {
  return RETIRED.has(id);
}

/** Measured values of the max-rate burst that are compared, charted or trended. */
export const BURST_METRIC = {
  eventsPerSec: 'events/s',
  mbPerSec: 'MB/s',
  ackP50: 'ack p50 ms',
  ackP95: 'ack p95 ms',
  ackP99: 'ack p99 ms',
  throttleTotal: 'throttle total ms',
} as const;

/** Warn-level threshold of the paced burst, as recorded in its check's thresholds. */
export const PACED_THRESHOLD = { ackMaxWarnMs: 'ack max warn ms' } as const;

/** Warn-level thresholds of the max-rate burst, as recorded in its check's thresholds (the monitoring alerts read them). */
export const BURST_THRESHOLD = { ackP99WarnMs: 'ack p99 warn ms' } as const;

/** Warn-level thresholds of the round trip, as recorded in its check's thresholds (the monitoring alerts read them). */
export const ROUND_TRIP_THRESHOLD = { e2eP99WarnMs: 'e2e p99 warn ms' } as const;

/** Measured values of the round trip that are compared, charted or trended. */
export const ROUND_TRIP_METRIC = {
  e2eP50: 'e2e p50 ms',
  e2eP95: 'e2e p95 ms',
  e2eP99: 'e2e p99 ms',
} as const;

/**
 * Measured values of the connectivity stages that the trends read. The preflight records one per bootstrap host,
 * named `<host:port> <metric>` (TCP always; TLS only with several hosts): see perHost.
 */
export const CONNECTIVITY_METRIC = {
  connectMs: 'connect ms',
  handshakeMs: 'handshake ms',
  daysToExpiry: 'days to expiry',
} as const;

export type ConnectivityMetric = (typeof CONNECTIVITY_METRIC)[keyof typeof CONNECTIVITY_METRIC];

/** The name a connectivity metric is recorded under for one host ("host:port"), or bare with no host. */
export function perHost(host: string | undefined, metric: ConnectivityMetric): string {
  return host ? `${host} ${metric}` : metric;
}

/** Whether a measured-value name is `metric`, for any host or none. */
export function isPerHost(name: string, metric: ConnectivityMetric): boolean {
  return name === metric || name.endsWith(` ${metric}`);
}
