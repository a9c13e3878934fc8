// The one place for every default, timeout and threshold; each can be overridden from the environment.
import { CHECK_ID } from '../record/ids.js';
import { RECOMMENDED_CLIENT } from '../facts/eventstream.js';

export type Env = Record<string, string | undefined>;

/** A setting that cannot be parsed: names the variable and the expected form, never echoes a secret. */
export class SettingError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${variable}: expected ${expected}, got ${got}`);
    this.name = 'SettingError';
  }
}

export interface NumberSpec {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  readonly help: string;
}

const spec = <T extends Record<string, NumberSpec>>(s: T): T => s;

/**
 * Every tunable number. The env var is READINESS_<KEY>, e.g. READINESS_TCP_TIMEOUT_MS.
 * Timeouts are chosen so that a dead endpoint is judged well inside 30 s.
 */
export const NUMBER_SETTINGS = spec({
  DNS_TIMEOUT_MS: { default: 5000, min: 100, max: 120000, integer: true, help: 'DNS lookup deadline' },
  TCP_TIMEOUT_MS: { default: 5000, min: 100, max: 120000, integer: true, help: 'TCP connect deadline' },
  TLS_TIMEOUT_MS: { default: 5000, min: 100, max: 120000, integer: true, help: 'TLS handshake deadline' },
  // Microsoft's request.timeout.ms for Event Hubs; the service raises anything under 20 s to 20 s, so the fabric
  // profile refuses less (see limitsForProfile). The preflight bounds its own requests separately, to judge fast.
  KAFKA_REQUEST_TIMEOUT_MS: {
    default: RECOMMENDED_CLIENT.requestTimeoutMs,
    min: 1000,
    max: 120000,
    integer: true,
    help: 'Kafka request timeout (request.timeout.ms)',
  },
  PREFLIGHT_REQUEST_TIMEOUT_MS: {
    default: 8000,
    min: 500,
    max: 60000,
    integer: true,
    help: 'deadline of each preflight request (metadata), so a dead endpoint is judged in seconds',
  },
  CONTROL_PLANE_REQUEST_TIMEOUT_MS: {
    default: 4000,
    min: 200,
    max: 60000,
    integer: true,
    help: 'deadline of each Fabric REST API request, so an API that never answers is judged in seconds',
  },
  CONTROL_PLANE_TIMEOUT_MS: {
    default: 9000,
    min: 500,
    max: 300000,
    integer: true,
    help: 'deadline of everything the control-plane checks ask Fabric (retries after a 429 included)',
  },
  CONTROL_PLANE_SETTLE_MS: {
    default: 60000,
    min: 0,
    max: 600000,
    integer: true,
    help: 'how long a source or destination that is Creating, Updating or Resuming may take to settle before it is judged',
  },
  CONSUMER_SESSION_TIMEOUT_MS: {
    default: RECOMMENDED_CLIENT.sessionTimeoutMs,
    min: 1000,
    max: 600000,
    integer: true,
    help: 'consumer session.timeout.ms (Event Hubs: 6,000-300,000)',
  },
  CONSUMER_HEARTBEAT_MS: { default: RECOMMENDED_CLIENT.heartbeatIntervalMs, min: 100, max: 60000, integer: true, help: 'consumer heartbeat.interval.ms' },
  METADATA_MAX_AGE_MS: {
    default: RECOMMENDED_CLIENT.metadataMaxAgeMs,
    min: 1000,
    max: 3_600_000,
    integer: true,
    help: "metadata.max.age.ms (under Event Hubs' 240 s idle cut-off)",
  },
  KAFKA_CONNECT_TIMEOUT_MS: { default: 5000, min: 500, max: 60000, integer: true, help: 'Kafka connect + SASL deadline' },
  KAFKA_RETRIES: { default: 1, min: 0, max: 10, integer: true, help: "kafkajs retries per request (the size refusal's two sends are sent once)" },
  TLS_CERT_FAIL_DAYS: { default: 7, min: 0, max: 3650, integer: true, help: 'fail when the certificate expires in fewer days' },
  TLS_CERT_WARN_DAYS: { default: 30, min: 0, max: 3650, integer: true, help: 'warn when the certificate expires in fewer days' },
  TCP_MAX_CONNECT_MS: { default: 3000, min: 1, max: 120000, integer: true, help: 'fail when TCP connect takes longer' },
  // Above the request timeout: a throttled produce is held by Event Hubs until then and answered POLICY_VIOLATION,
  // which must reach the check (as throttling), not be cut short as a bare timeout.
  SEND_TIMEOUT_MS: { default: RECOMMENDED_CLIENT.requestTimeoutMs + 5000, min: 1000, max: 180000, integer: true, help: 'deadline for one acknowledged send' },
  SMOKE_EVENTS: { default: 3, min: 1, max: 10000, integer: true, help: 'telemetry events in the smoke check' },
  KEYED_SENDS: { default: 5, min: 2, max: 10000, integer: true, help: 'sends of one key in the keyed check' },
  PACED_EVENTS: { default: 10, min: 1, max: 10000, integer: true, help: 'orders in the paced burst' },
  PACED_MIN_GAP_MS: { default: 50, min: 0, max: 60000, integer: true, help: 'shortest gap between paced orders' },
  PACED_MAX_GAP_MS: { default: 300, min: 0, max: 60000, integer: true, help: 'longest gap between paced orders' },
  // A healthy Eventstream acknowledges one event in tens to a few hundred ms (the request timeout is 20-60 s): an
  // ack of seconds is a stall (a broker paused, a connection held) that the paced burst would otherwise pass.
  PACED_ACK_WARN_MS: {
    default: 3000,
    min: 1,
    max: 600000,
    help: 'warn when an ack of the paced burst takes longer (a healthy Eventstream acknowledges one event in well under a second; seconds mean a stall)',
  },
  BURST_EVENTS: { default: 5000, min: 1, max: 10_000_000, integer: true, help: 'events in the max-rate burst' },
  BURST_EVENT_BYTES: { default: 1024, min: 64, max: 1_000_000, integer: true, help: 'size of each burst event' },
  BURST_BATCH_SIZE: { default: 100, min: 1, max: 100000, integer: true, help: 'events per produce request in the burst' },
  // Event Hubs closes connections on requests over 1,046,528 bytes; Microsoft recommends max.request.size 1000000.
  // 900 kB of events plus the record batch's own bytes stays under that.
  BURST_MAX_BATCH_BYTES: {
    default: 900_000,
    min: 1024,
    max: RECOMMENDED_CLIENT.maxRequestBytes,
    integer: true,
    help: 'cap on the event bytes of one burst produce request (max request size 1,000,000)',
  },
  BURST_IN_FLIGHT: { default: 4, min: 1, max: 64, integer: true, help: 'produce requests in flight at once' },
  // Over a long round trip 4 requests leave the connection idle most of the time: the max-rate burst puts more in
  // flight in proportion to the request latency it measures (support/kafka/produce.ts inFlightFor), up to this.
  BURST_MAX_IN_FLIGHT: {
    default: 32,
    min: 1,
    max: 256,
    integer: true,
    help: 'most produce requests the max-rate burst puts in flight over a long round trip (at least READINESS_BURST_IN_FLIGHT)',
  },
  BURST_TIMEOUT_MS: { default: 60000, min: 1000, max: 3_600_000, integer: true, help: 'the max-rate burst must finish within this' },
  BURST_MIN_EVENTS_PER_SEC: { default: 300, min: 0, max: 10_000_000, help: 'fail the burst under this rate' },
  BURST_MAX_P99_MS: { default: 5000, min: 1, max: 600000, help: 'fail the burst when ack p99 exceeds this' },
  BURST_ACK_P99_WARN_MS: {
    default: 2500,
    min: 1,
    max: 600000,
    help: 'warn when the max-rate burst ack p99 exceeds this (half the failing threshold: an early sign, read by the monitoring alerts)',
  },
  BURST_MAX_THROTTLE_MS: { default: 10000, min: 0, max: 600000, help: 'fail the burst when broker throttling adds up to more' },
  ROUND_TRIP_EVENTS: { default: 50, min: 1, max: 1_000_000, integer: true, help: 'events in the round trip' },
  ROUND_TRIP_KEYS: { default: 5, min: 1, max: 10000, integer: true, help: 'distinct keys in the round trip' },
  ROUND_TRIP_TIMEOUT_MS: { default: 20000, min: 1000, max: 600000, integer: true, help: 'how long to wait for all events to come back' },
  ROUND_TRIP_MAX_P99_MS: { default: 5000, min: 1, max: 600000, help: 'fail when end-to-end p99 exceeds this' },
  ROUND_TRIP_E2E_P99_WARN_MS: {
    default: 2500,
    min: 1,
    max: 600000,
    help: 'warn when the round trip end-to-end p99 exceeds this (half the failing threshold: an early sign, read by the monitoring alerts)',
  },
  SIZE_ACCEPTED_BYTES: { default: 1_000_000, min: 1, max: 100_000_000, integer: true, help: 'an event this size must be accepted' },
  REGRESSION_THROUGHPUT_DROP_PCT: { default: 30, min: 0, max: 100, help: 'flag a throughput drop against the baseline beyond this %' },
  REGRESSION_LATENCY_RISE_PCT: { default: 50, min: 0, max: 100000, help: 'flag a latency rise against the baseline beyond this %' },
  REGRESSION_LATENCY_MIN_MS: { default: 20, min: 0, max: 600000, help: 'ignore latency rises smaller than this many ms' },
  // History (READINESS_HISTORY_DIR): how many earlier reports the trends show, and what counts as a slow drift.
  HISTORY_RUNS: { default: 30, min: 1, max: 1000, integer: true, help: 'earlier reports (the newest) read from READINESS_HISTORY_DIR for trends' },
  TREND_MIN_RUNS: { default: 5, min: 1, max: 1000, integer: true, help: 'a trend is a metric worse than the run before in each of this many consecutive runs' },
  TREND_TOLERANCE_PCT: { default: 20, min: 0, max: 100000, help: 'flag a trend whose total change over those runs is beyond this %' },
  SIZE_REFUSED_BYTES: {
    default: 1_100_000,
    min: 1,
    max: 100_000_000,
    integer: true,
    help: 'an event this size must be refused (over the 1 MB Event Hubs limit)',
  },
});

export type NumberSettingKey = keyof typeof NUMBER_SETTINGS;

/** Settings that take one word of a fixed set. */
export const CHOICE_SETTINGS = {
  // at-least-once delivery allows re-deliveries (they are counted and reported); forbid makes any duplicate fail.
  DUPLICATE_POLICY: { default: 'allow', choices: ['allow', 'forbid'], help: 'what the round trip does with duplicates' },
  // fail: throughput/latency worse than the baseline beyond tolerance fails the gate; warn: only reported.
  PERF_REGRESSION: { default: 'fail', choices: ['fail', 'warn'], help: 'what a performance regression against the baseline does' },
  // light: for a production eventstream, where every event reaches every destination. It leaves out the max-rate
  // burst and the near-1 MB event, and uses the smallest counts (LIGHT_COUNTS) unless a count is set explicitly.
  LOAD: { default: 'full', choices: ['full', 'light'], help: 'how much the run writes into the eventstream' },
  // fail: a key scoped to one event hub (EntityPath) used for another topic fails before any network stage; warn: only
  // reported, and the run goes on to meet the endpoint's own refusal (useful to see it, or where topic names are aliased).
  ENTITY_PATH_CHECK: { default: 'fail', choices: ['fail', 'warn'], help: 'what a connection string scoped to another topic (EntityPath) does' },
  // warn: a slow drift over several runs (or a certificate near expiry) is reported; fail: it also fails the gate.
  TREND_POLICY: { default: 'warn', choices: ['warn', 'fail'], help: 'what a trend over the history does' },
  // warn: a source or destination Fabric reports in Warning is reported; fail: it fails the gate.
  CONTROL_PLANE_WARNING: { default: 'warn', choices: ['warn', 'fail'], help: 'what a source or destination in status Warning does' },
} as const;
export type ChoiceSettingKey = keyof typeof CHOICE_SETTINGS;

export type Settings = { readonly [K in NumberSettingKey]: number } & {
  readonly [K in ChoiceSettingKey]: (typeof CHOICE_SETTINGS)[K]['choices'][number];
};

/** The counts light mode uses (each still overridable with its READINESS_* variable). */
export const LIGHT_COUNTS: Partial<Record<NumberSettingKey, number>> = {
  SMOKE_EVENTS: 1,
  KEYED_SENDS: 2,
  PACED_EVENTS: 3,
  ROUND_TRIP_EVENTS: 6,
  ROUND_TRIP_KEYS: 2,
};

/** The checks light mode leaves out, by id, with what each would have written. */
export const LIGHT_MODE_LEAVES_OUT = [
  { id: CHECK_ID.burstMaxRate, writes: 'the max-rate burst (READINESS_BURST_EVENTS events of READINESS_BURST_EVENT_BYTES, 5,000 x 1 KiB by default)' },
  { id: CHECK_ID.sizeAccepted, writes: 'an event of READINESS_SIZE_ACCEPTED_BYTES (1,000,000 bytes by default)' },
] as const;

/** The reason a check left out by light mode gives, or undefined when it runs. */
export function leftOutByLoad(settings: Settings, id: (typeof LIGHT_MODE_LEAVES_OUT)[number]['id']): string | undefined {
  if (settings.LOAD !== 'light') return undefined;
  const entry = LIGHT_MODE_LEAVES_OUT.find((e) => e.id === id);
  return `not run: left out by READINESS_LOAD=light (it would write ${entry?.writes ?? 'more events'} into the eventstream)`;
}

/**
 * One number setting from `variable`: undefined when unset, else a number within the spec's range; out of range or not a
 * number, the problem (naming the variable and the expected form) is added and the default returned.
 */
export function readNumberSetting(env: Env, variable: string, s: NumberSpec, problems: SettingError[]): number | undefined {
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  const kind = s.integer ? 'an integer' : 'a number';
  if (Number.isFinite(value) && (!s.integer || Number.isInteger(value)) && value >= s.min && value <= s.max) return value;
  problems.push(new SettingError(variable, `${kind} from ${s.min} to ${s.max} (${s.help})`, JSON.stringify(raw)));
  return s.default;
}

/** READINESS_<KEY> for every number: the default (or light mode's count) when unset, else a number within its range. */
function readNumbers(env: Env, problems: SettingError[]): { [K in NumberSettingKey]: number } {
  const out: Partial<Record<NumberSettingKey, number>> = {};
  for (const key of Object.keys(NUMBER_SETTINGS) as NumberSettingKey[]) {
    const s: NumberSpec = NUMBER_SETTINGS[key];
    const light = env.READINESS_LOAD?.trim() === 'light' ? LIGHT_COUNTS[key] : undefined;
    out[key] = readNumberSetting(env, `READINESS_${key}`, s, problems) ?? light ?? s.default;
  }
  return out as { [K in NumberSettingKey]: number };
}

/** READINESS_<KEY> for every choice: the default when unset, else one of its words. */
function readChoices(env: Env, problems: SettingError[]): Record<string, string> {
  const choices: Record<string, string> = {};
  for (const key of Object.keys(CHOICE_SETTINGS) as ChoiceSettingKey[]) {
    const c = CHOICE_SETTINGS[key];
    const variable = `READINESS_${key}`;
    const raw = env[variable]?.trim();
    if (raw === undefined || raw === '') choices[key] = c.default;
    else if ((c.choices as readonly string[]).includes(raw)) choices[key] = raw;
    else {
      problems.push(new SettingError(variable, `one of ${c.choices.join(', ')} (${c.help})`, JSON.stringify(raw)));
      choices[key] = c.default;
    }
  }
  return choices;
}

/** Settings that bound each other: the heartbeat within the session, the paced gaps in order. */
function checkRelations(numbers: { [K in NumberSettingKey]: number }, problems: SettingError[]): void {
  if (numbers.CONSUMER_HEARTBEAT_MS * 3 > numbers.CONSUMER_SESSION_TIMEOUT_MS) {
    problems.push(
      new SettingError(
        'READINESS_CONSUMER_HEARTBEAT_MS',
        `at most a third of READINESS_CONSUMER_SESSION_TIMEOUT_MS (${numbers.CONSUMER_SESSION_TIMEOUT_MS})`,
        String(numbers.CONSUMER_HEARTBEAT_MS),
      ),
    );
  }
  if (numbers.PACED_MIN_GAP_MS > numbers.PACED_MAX_GAP_MS) {
    problems.push(
      new SettingError('READINESS_PACED_MIN_GAP_MS', `at most READINESS_PACED_MAX_GAP_MS (${numbers.PACED_MAX_GAP_MS})`, String(numbers.PACED_MIN_GAP_MS)),
    );
  }
}

/**
 * Every READINESS_* setting, with every problem: a bad value is reported and falls back to its own default; the other
 * settings keep what the user set. (A pair that contradicts itself is reported; its values are kept as given.)
 */
export function readSettingsChecked(env: Env): { settings: Settings; problems: SettingError[] } {
  const problems: SettingError[] = [];
  const numbers = readNumbers(env, problems);
  const choices = readChoices(env, problems);
  checkRelations(numbers, problems);
  return { settings: { ...numbers, ...choices } as Settings, problems };
}

/** Every READINESS_* setting; throws the first problem (for tools that stop on one). */
export function readSettings(env: Env): Settings {
  const { settings, problems } = readSettingsChecked(env);
  if (problems[0]) throw problems[0];
  return settings;
}

/**
 * What the real endpoint enforces, refused up front in the fabric profile (the local broker is more lenient, and
 * self tests may shorten timeouts there): request timeout at least 20 s, session timeout within 6-300 s.
 */
export function checkEventHubsLimits(settings: Settings): SettingError[] {
  const problems: SettingError[] = [];
  if (settings.KAFKA_REQUEST_TIMEOUT_MS < RECOMMENDED_CLIENT.minRequestTimeoutMs) {
    problems.push(
      new SettingError(
        'READINESS_KAFKA_REQUEST_TIMEOUT_MS',
        `at least ${RECOMMENDED_CLIENT.minRequestTimeoutMs} ms (Event Hubs' minimum request timeout)`,
        String(settings.KAFKA_REQUEST_TIMEOUT_MS),
      ),
    );
  }
  const { minSessionTimeoutMs: lo, maxSessionTimeoutMs: hi } = RECOMMENDED_CLIENT;
  if (settings.CONSUMER_SESSION_TIMEOUT_MS < lo || settings.CONSUMER_SESSION_TIMEOUT_MS > hi) {
    problems.push(
      new SettingError('READINESS_CONSUMER_SESSION_TIMEOUT_MS', `${lo} to ${hi} ms (what Event Hubs accepts)`, String(settings.CONSUMER_SESSION_TIMEOUT_MS)),
    );
  }
  return problems;
}
