// The one list of every environment variable that is not a number or choice of settings.ts: its group, default, form
// and meaning. docs/configuration.md is generated from it and from settings.ts (npm run docs:config), and a self test
// fails when the code reads a FABRIC_*, READINESS_*, LOCAL_* or EVENTSTREAM_* variable this list does not name.
import { PUSH_TIMEOUT } from './monitoring.js';

/** Where a variable is documented: each group is one table of docs/configuration.md (development: docs/development.md). */
export type VariableGroup = 'endpoint' | 'orders' | 'consumer' | 'control-plane' | 'run' | 'monitoring' | 'capacity' | 'local-broker' | 'development';

export interface VariableDoc {
  readonly name: string;
  readonly group: VariableGroup;
  /** What an unset variable means; '' when it has no default (required, or the feature is off). */
  readonly default: string;
  /** What a value must look like. */
  readonly form: string;
  readonly meaning: string;
}

const v = (group: VariableGroup, name: string, def: string, form: string, meaning: string): VariableDoc => ({ name, group, default: def, form, meaning });

export const VARIABLES: readonly VariableDoc[] = [
  v(
    'endpoint',
    'FABRIC_KAFKA_BOOTSTRAP',
    '',
    '`host`, `host:port` or a comma list',
    'required: the bootstrap server from the Kafka tab (fetched from Fabric when the control plane is set and this is unset)',
  ),
  v('endpoint', 'FABRIC_KAFKA_USERNAME', '', 'the literal `$ConnectionString`', 'required: single-quote it in a shell'),
  v(
    'endpoint',
    'FABRIC_KAFKA_PASSWORD',
    '',
    '`Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...[;EntityPath=...]`',
    'required: the connection string (primary or secondary key); a secret',
  ),
  v('endpoint', 'FABRIC_TOPIC_TELEMETRY', '', 'a Kafka topic name', 'required: topic of the smoke, keyed and round-trip checks'),
  v('endpoint', 'FABRIC_TOPIC_ORDERS', '', 'a Kafka topic name', 'required: topic of the burst and size checks'),
  v('endpoint', 'FABRIC_KAFKA_PORT', '9093', '1-65535', 'port for bootstrap entries without one'),
  v(
    'endpoint',
    'FABRIC_KAFKA_CA_FILE',
    '',
    'path of a readable PEM file',
    'extra CA certificates to trust (TLS-intercepting proxies); verification is never turned off',
  ),
  v(
    'endpoint',
    'FABRIC_KAFKA_SECURITY_PROTOCOL',
    '`SASL_SSL`',
    '`SASL_SSL` or `SASL_PLAINTEXT`',
    '`SASL_PLAINTEXT` only when every connection string says `UseDevelopmentEmulator=true` (the Event Hubs emulator)',
  ),
  v('orders', 'FABRIC_ORDERS_BOOTSTRAP', '`FABRIC_KAFKA_BOOTSTRAP`', 'as `FABRIC_KAFKA_BOOTSTRAP`', "the orders topic's own custom endpoint"),
  v('orders', 'FABRIC_ORDERS_PASSWORD', '`FABRIC_KAFKA_PASSWORD`', 'a connection string', "the orders endpoint's connection string; a secret"),
  v(
    'orders',
    'FABRIC_ORDERS_USERNAME',
    '`$ConnectionString` (with its own password), else `FABRIC_KAFKA_USERNAME`',
    'the literal `$ConnectionString`',
    'the orders endpoint username',
  ),
  v(
    'consumer',
    'FABRIC_CONSUMER_BOOTSTRAP',
    '',
    'as `FABRIC_KAFKA_BOOTSTRAP`',
    'a custom endpoint destination, to read events back; without the consumer variables the round trip is not run',
  ),
  v('consumer', 'FABRIC_CONSUMER_PASSWORD', '', 'a connection string', "the destination's connection string; a secret"),
  v('consumer', 'FABRIC_CONSUMER_TOPIC', '', 'a Kafka topic name', "the destination's topic"),
  v(
    'consumer',
    'FABRIC_CONSUMER_GROUP',
    '',
    'a consumer group id',
    "the destination's consumer group, used by this check alone (another member would take partitions)",
  ),
  v('consumer', 'FABRIC_CONSUMER_USERNAME', '`$ConnectionString`', 'the literal `$ConnectionString`', 'the destination username'),
  v(
    'control-plane',
    'FABRIC_WORKSPACE_ID',
    '',
    'an id (uuid) or a display name',
    "the workspace; with `FABRIC_EVENTSTREAM_ID` it turns on Eventstream's own verdict",
  ),
  v('control-plane', 'FABRIC_EVENTSTREAM_ID', '', 'an id (uuid) or a display name', 'the eventstream'),
  v('control-plane', 'FABRIC_API_URL', '`https://api.fabric.microsoft.com/v1`', 'an https URL (http only for a loopback host)', "Fabric's REST API"),
  v(
    'control-plane',
    'FABRIC_API_TOKEN',
    '',
    'a bearer token, no `Bearer ` prefix',
    "a token got elsewhere; without it, Azure's default credential chain; a secret",
  ),
  v('control-plane', 'FABRIC_SOURCE_NAME', '', "a custom endpoint source's name", 'which custom endpoint source, when the eventstream has several'),
  v(
    'control-plane',
    'FABRIC_DESTINATION_NAME',
    '',
    "a custom endpoint destination's name",
    'which custom endpoint destination, when the eventstream has several',
  ),
  v('run', 'EVENTSTREAM_ENV_FILE', '`./.env`', 'path of a readable file', 'read this file instead of `./.env` (real environment variables win over it)'),
  v(
    'run',
    'READINESS_REPORTS_DIR',
    '`reports`',
    'a directory that exists or can be created',
    'where the reports go; read from the environment only (it is needed before `.env` is read)',
  ),
  v(
    'run',
    'READINESS_BASELINE',
    '',
    "path of the previous run's `readiness.json`",
    'the regression gate compares with it; a missing file means no baseline yet',
  ),
  v('run', 'READINESS_HISTORY_DIR', '', 'a directory of earlier `readiness.json` files', 'trends over earlier runs; a missing directory means no history yet'),
  v('run', 'READINESS_WORKLOAD_FILE', '', 'path of a YAML or JSON workload profile', 'the assessment judges this workload against what the run measured'),
  v('run', 'READINESS_KAFKA_LOG', '', '`debug`', "the Kafka client's own log lines on stderr, redacted"),
  v(
    'monitoring',
    'READINESS_PUSHGATEWAY_URL',
    '',
    'an http:// or https:// URL',
    "push the run's figures to this Prometheus Pushgateway ([monitoring](monitoring.md)); credentials in it are a secret",
  ),
  v(
    'monitoring',
    'READINESS_PUSH_TIMEOUT_MS',
    PUSH_TIMEOUT.default.toLocaleString('en-US'),
    `an integer from ${PUSH_TIMEOUT.min.toLocaleString('en-US')} to ${PUSH_TIMEOUT.max.toLocaleString('en-US')}`,
    "each monitoring push's deadline",
  ),
  v('capacity', 'READINESS_SHARD', '', '`i/N`, 1 <= i <= N <= 1000', 'this job is shard i of N of the capacity load test'),
  v('capacity', 'READINESS_CAPACITY_RATE', '`1000 events/s`', '`<n> events/s`, `<n> MB/s` or `max`', 'the whole load, split evenly across shards'),
  v('capacity', 'READINESS_CAPACITY_DURATION_S', '60', 'an integer from 1 to 86400', 'how long each shard sends'),
  v('capacity', 'READINESS_CAPACITY_EVENT_BYTES', '1024', 'an integer from 64 to 1000000', 'size of each event'),
  v('capacity', 'READINESS_CAPACITY_START_AT', 'now', 'ISO-8601 with a zone, or epoch seconds or ms', 'when every shard starts sending'),
  v('capacity', 'READINESS_CAPACITY_START_DELAY_S', '0', 'an integer from 0 to 86400', 'added to the start'),
  v(
    'capacity',
    'READINESS_CAPACITY_START_FILE',
    '',
    'a file (to appear) in an existing folder',
    'its appearance gives the start (instead of `READINESS_CAPACITY_START_AT`)',
  ),
  v('capacity', 'READINESS_CAPACITY_MAX_WAIT_S', '900', 'an integer from 1 to 86400', 'the longest a shard waits for its start'),
  v('capacity', 'READINESS_CAPACITY_SAMPLES', '`false`', '`true` or `false`', "write every produce request's latency into the shard file too"),
  v('capacity', 'READINESS_CAPACITY_TARGET_EVENTS_PER_SEC', 'the requested rate less 5%', 'a number above 0', '`npm run capacity:merge` fails under this'),
  v('capacity', 'READINESS_CAPACITY_TARGET_MB_PER_SEC', '', 'a number above 0', '`npm run capacity:merge` fails under this'),
  v('capacity', 'READINESS_CAPACITY_TARGET_P99_MS', '', 'a number above 0', '`npm run capacity:merge` fails above this ack p99'),
  v('capacity', 'READINESS_CAPACITY_MISSING', '`fail`', '`fail` or `warn`', 'what a missing, failed or non-overlapping shard does to the merge'),
  v(
    'local-broker',
    'LOCAL_BROKER',
    '`auto`',
    '`auto`, `jvm` or `container`',
    'how the local broker runs: auto is a container when Docker answers and the image is present, else the JVM',
  ),
  v(
    'local-broker',
    'LOCAL_BROKER_IMAGE',
    '`apache/kafka:4.1.1`',
    'an image reference',
    'the image container mode runs, e.g. the stand-in `eventstream-readiness/kafka-standin:4.1.1`',
  ),
  v('local-broker', 'LOCAL_BROKER_TOPICS', '`two`', '`two` or `one`', 'two topics with a key each, or one topic for both checks with one key'),
  v('local-broker', 'LOCAL_BROKER_ENV_FILE', '`.env.local-broker`', 'a file path', 'where `npm run broker` writes the settings of the broker it runs'),
  v('local-broker', 'LOCAL_FABRIC_API', '`on`', '`on` or `off`', "a stand-in of Fabric's REST API beside the local broker"),
  v(
    'development',
    'LOCAL_RELAY',
    '',
    'e.g. `drop-keys,json-lines,delay=200`',
    'a relay plays the Eventstream between the telemetry topic and a destination the round trip reads',
  ),
  v('development', 'FABRIC_API_SPEC_DIR', '`../shared/fabric-api-spec`', 'a directory', "Microsoft's Fabric REST API specification, for the contract tests"),
  v('development', 'READINESS_UPDATE_GOLDEN', '', '`1`', 'rewrite `fixtures/golden/local-run.txt` from a local run'),
];
