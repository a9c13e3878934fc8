// Eventstream's Kafka endpoint as Microsoft documents it (Event Hubs underneath): the one place for its facts.
// Config, clients, checks and the local broker import these; the local broker imitates them, never the reverse.

/** Event Hubs' Kafka listener: NAMESPACE.servicebus.windows.net:9093 (SASL_SSL). */
export const EVENTSTREAM_PORT = 9093;

/** The literal SASL/PLAIN username; the password is the connection string. */
export const CONNECTION_STRING_USERNAME = '$ConnectionString';

/** The service closes the connection on a request larger than this. */
export const MAX_REQUEST_BYTES_HARD = 1_046_528;

/**
 * Client settings Microsoft recommends for Event Hubs (Apache Kafka configurations), with the service's own bounds.
 * request.timeout.ms below 20 s is raised to 20 s by the service; session.timeout.ms must lie in 6-300 s;
 * idle connections are closed after 240 s, so metadata is refreshed before that.
 */
export const RECOMMENDED_CLIENT = {
  requestTimeoutMs: 30_000,
  minRequestTimeoutMs: 20_000,
  sessionTimeoutMs: 30_000,
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 300_000,
  heartbeatIntervalMs: 3_000,
  metadataMaxAgeMs: 180_000,
  maxRequestBytes: 1_000_000,
} as const;

/** Eventstream custom endpoints are capped by the eventstream's throughput level (MB/s). */
export const THROUGHPUT_LEVELS_MB_PER_SEC = { Low: 150, Medium: 300, High: 400 } as const;
