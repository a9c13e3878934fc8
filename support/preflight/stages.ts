// The preflight: its stages in order (DNS, TCP, TLS, SASL, metadata, brokers, topics) as a table of named steps, run once per run, each with its own verdict.
import { describeEndpoint, sameConnection, type Connection, type EndpointConfig } from '../inputs/config.js';
import type { BrokerAddress } from '../inputs/parsers.js';
import { connectWithin, disconnectWithin, elapsedMs, withDeadline } from '../core/deadline.js';
import { CONNECTIVITY_METRIC, perHost, type CheckId } from '../record/ids.js';
import { STAGE_INFO, STAGE_TITLES, type StageName } from '../record/stages.js';
import { diagnose, type Diagnosis } from '../kafka/diagnosis.js';
import type { Measured } from '../core/readable.js';
import { kafkaErrorByCode } from '../facts/kafka-errors.js';
import { createKafka, tlsOptions } from '../kafka/client.js';
import type { Settings } from '../inputs/settings.js';
import { KafkaProtocolError, WireConnection, type MetadataResult } from '../kafka/wire.js';
import { CONNECTION_STRING_USERNAME } from '../facts/eventstream.js';
import { codedError, judgeTls, probeDns, probeTcp, probeTlsFacts } from './probes.js';

export { STAGES, STAGE_TITLES, type StageName } from '../record/stages.js';

export interface StageResult {
  readonly stage: StageName;
  readonly status: 'pass' | 'fail' | 'not-run';
  /** One line: what was measured, or why it failed or did not run. */
  readonly message: string;
  readonly measured: Measured;
  readonly thresholds: Measured;
  readonly warnings: string[];
  readonly diagnosis?: Diagnosis;
  readonly durationMs: number;
  /**
   * When the stage's work started, in ms since the preflight started: a stage started alongside an earlier one
   * (`startsWith`) overlaps it, and the connectivity waterfall draws it so.
   */
  readonly startMs: number;
}

/** Thrown by a stage that does not apply to this endpoint (TLS against the emulator's plaintext listener). */
class StageNotRun extends Error {}

class StageFailure extends Error {
  constructor(
    message: string,
    readonly measured: Measured,
    readonly diagnosis: Diagnosis,
  ) {
    super(message);
  }
}

export interface PreflightOptions {
  readonly settings: Settings;
  /** Called as each stage ends, so a caller can show progress. */
  readonly onStage?: (result: StageResult) => void;
  /** Further keys of the telemetry endpoint that must each pass a SASL login (the secondary key Fabric returned). */
  readonly extraLogins?: ReadonlyArray<{ readonly label: string; readonly password: string }>;
}

export interface Preflight {
  readonly endpoint: string;
  readonly stages: StageResult[];
  /** Whether every stage passed: later checks only make sense then. */
  readonly ok: boolean;
  /** The first stage that failed, if any. */
  readonly failedStage?: StageName;
}

export interface StageOutcome {
  readonly message: string;
  readonly measured: Measured;
  readonly thresholds?: Measured;
  readonly warnings?: string[];
}

/** One connection the checks use, with the topics read and written through it. */
interface Route {
  readonly connection: Connection;
  readonly topics: ReadonlyArray<{ readonly role: 'telemetry' | 'orders'; readonly topic: string }>;
}

/** What the stages share: each reads what the stages before it found. Nothing else is shared. */
interface PreflightState {
  readonly config: EndpointConfig;
  readonly settings: Settings;
  /** Distinct connections: one, or two when orders has its own custom endpoint. */
  readonly routes: readonly Route[];
  /** Every bootstrap address of every route, without repeats. */
  readonly bootstrap: readonly BrokerAddress[];
  /** Filled by the metadata stage: each route's answer to its named-topic Metadata request. */
  readonly metadata: Map<Route, MetadataResult>;
  /** Filled by the metadata stage: every broker address the routes advertise. */
  advertised: BrokerAddress[];
  readonly extraLogins: NonNullable<PreflightOptions['extraLogins']>;
}

function routesOf(config: EndpointConfig): Route[] {
  const telemetry = { role: 'telemetry' as const, topic: config.topics.telemetry };
  const orders = { role: 'orders' as const, topic: config.topics.orders };
  if (sameConnection(config, config.orders)) return [{ connection: config, topics: [telemetry, orders] }];
  return [
    { connection: config, topics: [telemetry] },
    { connection: config.orders, topics: [orders] },
  ];
}

function uniqueAddresses(addresses: readonly BrokerAddress[]): BrokerAddress[] {
  const seen = new Map<string, BrokerAddress>();
  for (const a of addresses) seen.set(`${a.host}:${a.port}`, a);
  return [...seen.values()];
}

/** How a measured value names its route when there are two ("telemetry " or "orders "); nothing when there is one. */
function routeLabel(state: Pick<PreflightState, 'routes'>, route: Route): string {
  return state.routes.length > 1 ? `${route.topics.map((t) => t.role).join('+')} ` : '';
}

/** "key_x (EntityPath=telemetry)" for messages about a route's key; never the key itself. */
function keyOf(route: Route): string {
  const cs = route.connection.connectionString;
  if (!cs) return `the user from ${route.connection.from.username}`;
  return `key ${cs.keyName} from ${route.connection.from.password} (${cs.entityPath ? `EntityPath=${cs.entityPath}` : 'namespace-level, no EntityPath'})`;
}

async function resolveBootstrapHosts(state: PreflightState): Promise<StageOutcome> {
  const measured: Measured = {};
  for (const host of new Set(state.bootstrap.map((b) => b.host))) {
    const r = await probeDns(host, state.settings);
    measured[`${host} addresses`] = r.addresses.join(' ');
    measured[`${host} lookup ms`] = r.ms;
  }
  return { message: `resolved ${Object.keys(measured).length / 2} host(s)`, measured };
}

async function connectBootstrapPorts(state: PreflightState): Promise<StageOutcome> {
  const { settings } = state;
  const measured: Measured = {};
  for (const b of state.bootstrap) {
    const { ms } = await probeTcp(b, settings);
    measured[perHost(`${b.host}:${b.port}`, CONNECTIVITY_METRIC.connectMs)] = ms;
    if (ms > settings.TCP_MAX_CONNECT_MS) {
      throw new StageFailure(`TCP connect to ${b.host}:${b.port} took ${ms} ms, over the ${settings.TCP_MAX_CONNECT_MS} ms limit`, measured, {
        ...diagnose(codedError('slow connect', 'ETIMEDOUT')),
        detail: `connect took ${ms} ms`,
      });
    }
  }
  return { message: `connected to ${state.bootstrap.length} bootstrap address(es)`, measured, thresholds: { 'max connect ms': settings.TCP_MAX_CONNECT_MS } };
}

async function judgeBootstrapTls(state: PreflightState): Promise<StageOutcome> {
  if (state.config.securityProtocol === 'SASL_PLAINTEXT') {
    throw new StageNotRun('not run: SASL_PLAINTEXT to the Event Hubs emulator (UseDevelopmentEmulator=true) has no TLS to judge');
  }
  return tlsStage(state.bootstrap, state.config, state.settings);
}

/** One SASL login with kafkajs (ApiVersions, SaslHandshake, SaslAuthenticate; no Metadata): its time, or the error. */
async function timedLogin(connection: Connection, settings: Settings, what: string): Promise<number> {
  const start = performance.now();
  const admin = createKafka(connection, settings, { clientId: 'readiness-preflight' }).admin();
  try {
    await connectWithin(admin, settings.KAFKA_CONNECT_TIMEOUT_MS * 2, what);
  } finally {
    await disconnectWithin(admin, 3000);
  }
  return elapsedMs(start);
}

/**
 * Logs in with kafkajs, the client every later check uses, once per distinct connection and once with each further
 * key (e.g. the secondary key Fabric returned, so a rotation cannot break the pipeline unnoticed), all side by side,
 * each on its own connection. Judged in that order: the first that failed is the stage's failure.
 */
async function loginWithSasl(state: PreflightState): Promise<StageOutcome> {
  const { settings } = state;
  const measured: Measured = { mechanism: 'PLAIN' };
  const route0 = state.routes[0];
  const several = state.routes.length > 1;
  const logins = [
    ...state.routes.map((route) => ({
      route,
      connection: route.connection,
      who: keyOf(route),
      keyName: true,
      label: routeLabel(state, route),
    })),
    ...(route0
      ? state.extraLogins.map((key) => ({
          route: route0,
          connection: { ...route0.connection, password: key.password },
          who: `the ${key.label}`,
          keyName: false,
          label: `${key.label} `,
        }))
      : []),
  ];
  const settled = await Promise.allSettled(logins.map((l) => timedLogin(l.connection, settings, `SASL login with ${l.who}`)));
  for (const [i, l] of logins.entries()) {
    const outcome = settled[i];
    if (outcome?.status === 'rejected') {
      const d = diagnose(outcome.reason);
      throw new StageFailure(`login with ${l.who} to ${describeEndpoint(l.route.connection)}: ${d.detail}`, measured, d);
    }
    measured[`${l.label}login ms`] = outcome?.value ?? 0;
    if (l.keyName) measured[`${l.label}key name`] = l.connection.connectionString?.keyName ?? '';
  }
  const user = state.config.username === CONNECTION_STRING_USERNAME ? CONNECTION_STRING_USERNAME : 'the configured user';
  const extra = state.extraLogins.length ? ` and with the ${state.extraLogins.map((k) => k.label).join(', ')}` : '';
  return { message: `logged in as ${user}${several ? ` on ${state.routes.length} endpoints` : ''}${extra}`, measured };
}

/** Where a route's Metadata request goes (its first bootstrap address), and how messages name the request. */
function metadataRequestOf(route: Route): { first: BrokerAddress; what: string } {
  const first = route.connection.brokers[0];
  if (!first) throw new Error('a connection without a bootstrap address');
  return { first, what: `metadata for ${route.topics.map((t) => t.topic).join(', ')} from ${first.host}:${first.port}` };
}

/** One route's Metadata answer on a connection of its own (connect, SASL login, the request), each step bounded. */
async function timedMetadata(
  route: Route,
  { first, what }: ReturnType<typeof metadataRequestOf>,
  settings: Settings,
  signal: AbortSignal,
): Promise<{ result: MetadataResult; ms: number }> {
  const start = performance.now();
  let conn: WireConnection | undefined;
  try {
    conn = await withDeadline(
      WireConnection.open(
        {
          host: first.host,
          port: first.port,
          tls: route.connection.securityProtocol === 'SASL_PLAINTEXT' ? null : { secureContext: tlsOptions(route.connection).secureContext },
        },
        'readiness-preflight',
        settings.KAFKA_CONNECT_TIMEOUT_MS,
        signal,
      ),
      settings.KAFKA_CONNECT_TIMEOUT_MS + 500,
      `connecting for ${what}`,
    );
    const c = conn;
    await withDeadline(c.loginPlain(route.connection.username, route.connection.password), settings.KAFKA_CONNECT_TIMEOUT_MS, `login for ${what}`);
    const result = await withDeadline(c.metadata(route.topics.map((t) => t.topic)), settings.PREFLIGHT_REQUEST_TIMEOUT_MS, what);
    return { result, ms: elapsedMs(start) };
  } finally {
    conn?.close();
  }
}

/**
 * A Metadata request that names the configured topics, never one for all topics: an entity-scoped Event Hubs key
 * may be refused or shown nothing there. The brokers the checks will talk to come from this answer.
 */
async function listBrokersForTopics(state: PreflightState, signal: AbortSignal): Promise<StageOutcome> {
  const measured: Measured = {};
  // Each route on its own connection, side by side; judged in route order, as one after the other would be.
  const asked = state.routes.map((route) => ({ route, request: metadataRequestOf(route) }));
  const settled = await Promise.allSettled(asked.map(({ route, request }) => timedMetadata(route, request, state.settings, signal)));
  for (const [i, { route, request }] of asked.entries()) {
    const { what } = request;
    const outcome = settled[i];
    if (outcome?.status !== 'fulfilled') {
      const d = diagnose(outcome?.reason);
      throw new StageFailure(`${what}: ${d.detail}`, measured, d);
    }
    state.metadata.set(route, outcome.value.result);
    measured[`${routeLabel(state, route)}metadata ms`] = outcome.value.ms;
  }
  const results = [...state.metadata.values()];
  state.advertised = uniqueAddresses(results.flatMap((r) => r.brokers.map((b) => ({ host: b.host, port: b.port }))));
  if (state.advertised.length === 0) {
    throw new StageFailure('the endpoint listed no brokers', { ...measured, brokers: 0 }, diagnose(new Error('metadata listed no brokers')));
  }
  return {
    message: `${state.advertised.length} broker(s) advertised`,
    measured: {
      ...measured,
      brokers: state.advertised.length,
      advertised: state.advertised.map((b) => `${b.host}:${b.port}`).join(' '),
      controller: results[0]?.controllerId ?? -1,
      'request names its topics': true,
    },
  };
}

async function reachAdvertisedBrokers(state: PreflightState): Promise<StageOutcome> {
  const { settings, config } = state;
  const advertised = state.advertised;
  const measured: Measured = {};
  const results = await Promise.allSettled(
    advertised.map(async (b) => {
      await probeDns(b.host, settings);
      if (config.securityProtocol === 'SASL_PLAINTEXT') {
        measured[`${b.host}:${b.port} connect ms`] = (await probeTcp(b, settings)).ms;
        return;
      }
      const facts = await withDeadline(probeTlsFacts(b, config, settings), settings.TLS_TIMEOUT_MS + 500, `TLS handshake with ${b.host}:${b.port}`);
      judgeTls(facts, b.host, settings);
      measured[`${b.host}:${b.port} handshake ms`] = facts.handshakeMs;
    }),
  );
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ broker: advertised[i], error: r.reason as unknown }] : []));
  const firstFailure = failures[0];
  if (firstFailure) {
    const d = diagnose(firstFailure.error);
    const names = failures.map((f) => `${f.broker?.host}:${f.broker?.port}`).join(', ');
    throw new StageFailure(
      `${failures.length} of ${advertised.length} advertised broker(s) unreachable from this runner (${names}): ${d.detail}`,
      { ...measured, unreachable: failures.length, advertised: advertised.length },
      { ...d, hint: `the bootstrap answers but the brokers it advertises do not; ${d.hint}` },
    );
  }
  return { message: `all ${advertised.length} advertised broker(s) reachable`, measured };
}

/** Judges each topic from its route's Metadata answer: present with partitions, missing, or denied to the key. */
async function judgeConfiguredTopics(state: PreflightState): Promise<StageOutcome> {
  const measured: Measured = {};
  for (const route of state.routes) {
    const answer = state.metadata.get(route);
    for (const { role, topic } of route.topics) {
      const found = answer?.topics.find((t) => t.name === topic);
      const errorCode = found ? found.errorCode : 3;
      if (errorCode !== 0) {
        const kafka = kafkaErrorByCode(errorCode);
        const d = diagnose(new KafkaProtocolError(errorCode, kafka?.type ?? `error ${errorCode}`, `${kafka?.type ?? `error ${errorCode}`} for topic ${topic}`));
        const scoped = route.connection.connectionString?.entityPath;
        // Event Hubs scopes a key with an EntityPath to that one event hub: say which key was denied, and why.
        const hint =
          d.failureClass === 'authorization' && scoped && scoped !== topic
            ? `the ${keyOf(route)} reaches only "${scoped}", not "${topic}": use that topic, a second custom endpoint's key (FABRIC_ORDERS_*), or a namespace-level key`
            : d.hint;
        throw new StageFailure(`${role} topic "${topic}" with ${keyOf(route)}: ${d.detail}`, measured, { ...d, hint });
      }
      measured[`${role} topic`] = topic;
      measured[`${role} partitions`] = found?.partitions ?? 0;
    }
  }
  const { telemetry, orders } = state.config.topics;
  return {
    message: `telemetry "${telemetry}" has ${measured['telemetry partitions']} partition(s), orders "${orders}" has ${measured['orders partitions']}`,
    measured,
  };
}

/**
 * The stages in order, each with the function that decides it (titles and ids in support/record/stages.ts). A stage
 * with `startsWith` starts its work when that earlier stage starts, and is still judged in its turn: the metadata
 * requests (each on a connection of its own, logged in) go out while the SASL logins run, a round trip or more
 * apart on a distant endpoint. If the earlier stage fails, the later one is "not run" and its work is cancelled.
 */
export const PREFLIGHT_STAGES: ReadonlyArray<{
  readonly stage: StageName;
  readonly checkId: CheckId;
  readonly title: string;
  readonly run: (state: PreflightState, signal: AbortSignal) => Promise<StageOutcome>;
  readonly startsWith?: StageName;
}> = [
  { stage: 'dns', ...STAGE_INFO.dns, run: resolveBootstrapHosts },
  { stage: 'tcp', ...STAGE_INFO.tcp, run: connectBootstrapPorts },
  { stage: 'tls', ...STAGE_INFO.tls, run: judgeBootstrapTls },
  { stage: 'sasl', ...STAGE_INFO.sasl, run: loginWithSasl },
  { stage: 'metadata', ...STAGE_INFO.metadata, run: listBrokersForTopics, startsWith: 'sasl' },
  { stage: 'brokers', ...STAGE_INFO.brokers, run: reachAdvertisedBrokers },
  { stage: 'topics', ...STAGE_INFO.topics, run: judgeConfiguredTopics },
];

/**
 * Runs the stages in order against the endpoint; after the first failure the rest are "not-run"
 * with the reason, so a dead endpoint is judged within a few timeouts rather than many.
 */
export async function runPreflight(config: EndpointConfig, options: PreflightOptions): Promise<Preflight> {
  const routes = routesOf(config);
  const state: PreflightState = {
    config,
    settings: options.settings,
    routes,
    bootstrap: uniqueAddresses(routes.flatMap((r) => r.connection.brokers)),
    metadata: new Map(),
    advertised: [],
    extraLogins: options.extraLogins ?? [],
  };
  const { stages, failed } = await judgeInOrder(PREFLIGHT_STAGES, state, options.onStage);
  const endpoint = routes.map((r) => describeEndpoint(r.connection)).join(' + ');
  return { endpoint, stages, ok: failed === undefined, failedStage: failed };
}

/**
 * One step of a stage table: the stage, what decides it, and the earlier stage it starts alongside, if any. `signal`
 * is aborted once the stages are judged: work started alongside a stage that then failed is cancelled through it.
 */
export interface StageStep<S> {
  readonly stage: StageName;
  readonly run: (state: S, signal: AbortSignal) => Promise<StageOutcome>;
  readonly startsWith?: StageName;
}

/**
 * Runs the steps and judges them in table order. A step with `startsWith` starts when that stage starts and is judged
 * in its own turn; after the first failure the rest are "not-run" with the reason. Once judged, the steps' signal is
 * aborted and work started alongside is waited for, so nothing outlives the stages.
 */
export async function judgeInOrder<S>(
  steps: ReadonlyArray<StageStep<S>>,
  state: S,
  onStage?: (result: StageResult) => void,
): Promise<{ stages: StageResult[]; failed?: StageName }> {
  const judged = new AbortController();
  const stages: StageResult[] = [];
  const t0 = performance.now();
  // Steps started alongside an earlier one: their results (runStage never rejects), judged in their turn.
  const started = new Map<StageName, Promise<StageResult>>();
  let failed: StageName | undefined;
  try {
    for (const { stage, run } of steps) {
      if (!failed) {
        for (const alongside of steps.filter((s) => s.startsWith === stage)) {
          started.set(
            alongside.stage,
            runStage(alongside.stage, () => alongside.run(state, judged.signal), t0),
          );
        }
      }
      const result = failed ? notRunAfter(stage, failed, elapsedMs(t0)) : await (started.get(stage) ?? runStage(stage, () => run(state, judged.signal), t0));
      if (result.status === 'fail') failed = stage;
      stages.push(result);
      onStage?.(result);
    }
  } finally {
    judged.abort('the preflight was judged');
    await Promise.allSettled(started.values());
  }
  return { stages, failed };
}

function notRunAfter(stage: StageName, failed: StageName, startMs: number): StageResult {
  return {
    stage,
    status: 'not-run',
    message: `not run: ${STAGE_TITLES[failed].split(':')[0]} failed first`,
    measured: {},
    thresholds: {},
    warnings: [],
    durationMs: 0,
    startMs,
  };
}

/** Runs one stage's work: its result (never a rejection), timed from its own start; `t0` is the preflight's start. */
async function runStage(stage: StageName, body: () => Promise<StageOutcome>, t0: number): Promise<StageResult> {
  const startMs = elapsedMs(t0);
  const start = performance.now();
  try {
    const outcome = await body();
    return { stage, status: 'pass', thresholds: {}, warnings: [], ...outcome, durationMs: elapsedMs(start), startMs };
  } catch (error) {
    if (error instanceof StageNotRun)
      return { stage, status: 'not-run', message: error.message, measured: {}, thresholds: {}, warnings: [], durationMs: elapsedMs(start), startMs };
    const diagnosis = error instanceof StageFailure ? error.diagnosis : diagnose(error);
    return {
      stage,
      status: 'fail',
      message: error instanceof StageFailure ? error.message : diagnosis.detail,
      measured: error instanceof StageFailure ? error.measured : {},
      thresholds: {},
      warnings: [],
      diagnosis,
      durationMs: elapsedMs(start),
      startMs,
    };
  }
}

async function tlsStage(brokers: readonly BrokerAddress[], config: EndpointConfig, settings: Settings): Promise<StageOutcome> {
  const measured: Measured = {};
  const warnings: string[] = [];
  for (const b of brokers) {
    const facts = await withDeadline(probeTlsFacts(b, config, settings), settings.TLS_TIMEOUT_MS + 500, `TLS handshake with ${b.host}:${b.port}`);
    const prefix = brokers.length > 1 ? `${b.host}:${b.port} ` : '';
    const facts0 = {
      protocol: facts.protocol,
      'certificate subject': facts.subject,
      'certificate issuer': facts.issuer,
      'valid to': facts.validTo,
      [CONNECTIVITY_METRIC.daysToExpiry]: facts.daysToExpiry,
      [CONNECTIVITY_METRIC.handshakeMs]: facts.handshakeMs,
      trusted: facts.authorized,
      'hostname matches': facts.hostnameMatches,
    };
    for (const [k, v] of Object.entries(facts0)) measured[`${prefix}${k}`] = v;
    try {
      warnings.push(...judgeTls(facts, b.host, settings).warnings);
    } catch (error) {
      throw new StageFailure(`${(error as Error).message}`, measured, diagnose(error));
    }
  }
  const first = brokers.length > 1 ? `${brokers[0]?.host}:${brokers[0]?.port} ` : '';
  return {
    message: `${measured[`${first}protocol`]}, trusted, hostname matches, ${measured[`${first}${CONNECTIVITY_METRIC.daysToExpiry}`]} days to expiry (${brokers.length} host(s))`,
    measured,
    thresholds: { 'min protocol': 'TLSv1.2', 'fail under days': settings.TLS_CERT_FAIL_DAYS, 'warn under days': settings.TLS_CERT_WARN_DAYS },
    warnings,
  };
}
