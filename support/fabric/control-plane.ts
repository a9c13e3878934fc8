// Asks Fabric's REST API what it knows of the eventstream (identity, topology, statuses, the custom endpoint's
// connection), judges it as a table of named steps, and discovers the Kafka settings when the user gave none.
import { setTimeout as sleep } from 'node:timers/promises';
import { CONNECTION_STRING_USERNAME, EVENTSTREAM_PORT } from '../facts/eventstream.js';
import { FILTER_OPERATOR_TYPE, ROLE_NEEDED } from '../facts/fabric-api.js';
import { elapsedMs } from '../core/deadline.js';
import type { Measured } from '../core/readable.js';
import { registerSecret } from '../core/redact.js';
import { type ControlPlaneResult, type ControlPlaneStep, type ControlPlaneStepName, type TopologyNode, type TopologyView } from '../record/control-plane.js';
import type { ControlPlaneConfig, ItemRef } from '../inputs/control-plane.js';
import { parseBootstrap } from '../inputs/parsers.js';
import type { Env, Settings } from '../inputs/settings.js';
import { FabricApiError, FabricClient } from './client.js';
import { fabricTokenSource, type TokenSource } from './identity.js';
import { topologyView, type CustomEndpointConnection } from './topology.js';
import { describeNode, feedersOf, isCustomEndpoint, isSettling, judgedView, judgeKind, whereTestEventsGo } from './verdicts.js';

export interface ControlPlaneOptions {
  readonly settings: Settings;
  /** The run's FABRIC_* variables as the user gave them: what to discover, what to compare with. */
  readonly env: Env;
  /** Tokens; by default FABRIC_API_TOKEN or @azure/identity (support/fabric/identity.ts). */
  readonly tokenSource?: TokenSource;
  readonly onStep?: (step: ControlPlaneStep) => void;
}

/** What the run takes from the control plane besides the verdicts: discovered settings and the keys to log in with. */
export interface ControlPlaneOutcome {
  readonly result: ControlPlaneResult;
  /** FABRIC_* values taken from Fabric for variables the user left unset (secrets registered for redaction). */
  readonly discoveredEnv: Readonly<Record<string, string>>;
  /** Further keys of the custom endpoint that must pass a SASL login in the preflight (the secondary key). */
  readonly extraLogins: ReadonlyArray<{ readonly label: string; readonly password: string }>;
}

class StepFailure extends Error {
  constructor(
    message: string,
    readonly measured: Measured,
    readonly diagnosis: { failureClass: string; cause: string; hint: string },
  ) {
    super(message);
  }
}

interface StepOutcome {
  readonly message: string;
  readonly measured: Measured;
  readonly thresholds?: Measured;
  readonly warnings?: readonly string[];
}

interface State {
  readonly config: ControlPlaneConfig;
  readonly options: ControlPlaneOptions;
  readonly deadlineAt: number;
  client?: FabricClient;
  identity?: { credential: string; expiresOn?: string };
  workspace?: { id: string; name?: string };
  eventstream?: { id: string; name?: string };
  view?: TopologyView;
  source?: TopologyNode;
  connection?: CustomEndpointConnection;
  discoveredEnv: Record<string, string>;
  extraLogins: Array<{ label: string; password: string }>;
}

/** The diagnosis a client error carries, or a generic one. */
function failureFrom(what: string, error: unknown, measured: Measured = {}): StepFailure {
  if (error instanceof StepFailure) return error;
  if (error instanceof FabricApiError) {
    const id = error.requestId ? ` (requestId ${error.requestId})` : '';
    return new StepFailure(`${what}: ${error.message}${error.message.includes('requestId') ? '' : id}`, measured, {
      failureClass: `fabric-${error.failureClass}`,
      cause: error.cause,
      hint: error.hint,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StepFailure(`${what}: ${message}`, measured, {
    failureClass: 'fabric-unknown',
    cause: 'an unexpected answer or error from the Fabric REST API',
    hint: 'run again; if it persists, check the API URL (FABRIC_API_URL) and the identity',
  });
}

async function obtainToken(state: State): Promise<StepOutcome> {
  const source = state.options.tokenSource ?? fabricTokenSource({ token: state.config.token, env: state.options.env, timeoutMs: remaining(state) });
  let got;
  try {
    got = await source.getToken();
  } catch (error) {
    throw failureFrom('no token for the Fabric REST API', error);
  }
  registerSecret(got.token);
  const expiresOn = got.expiresOn ? new Date(got.expiresOn).toISOString() : undefined;
  state.identity = { credential: got.credential, expiresOn };
  state.client = new FabricClient({
    apiUrl: state.config.apiUrl,
    getToken: async () => got.token,
    requestTimeoutMs: state.options.settings.CONTROL_PLANE_REQUEST_TIMEOUT_MS,
    deadlineAt: state.deadlineAt,
    identityKind: got.kind,
  });
  const minutes = got.expiresOn ? Math.round((got.expiresOn - Date.now()) / 60000) : undefined;
  return {
    message: `token from ${got.credential}${minutes !== undefined ? `, expires in ${minutes} min` : ''}`,
    measured: { credential: got.credential, ...(minutes !== undefined ? { 'minutes to expiry': minutes } : {}) },
    warnings: got.warnings ?? [],
  };
}

function clientOf(state: State): FabricClient {
  if (!state.client) throw new Error('no Fabric client (identity step did not pass)');
  return state.client;
}

/** An id is used as given; a display name is looked up in the list the identity can see (paged). */
async function resolveItem(ref: ItemRef, kind: string, list: () => Promise<ReadonlyArray<{ id: string; displayName?: string }>>) {
  if (ref.id) return { id: ref.id };
  const items = await list();
  const exact = items.filter((i) => i.displayName === ref.name);
  const loose = exact.length ? exact : items.filter((i) => i.displayName?.toLowerCase() === ref.name?.toLowerCase());
  if (loose.length === 1 && loose[0]) return { id: loose[0].id, name: loose[0].displayName };
  const why =
    loose.length > 1
      ? `${loose.length} ${kind}s are named ${JSON.stringify(ref.name)}: give the id instead`
      : `no ${kind} named ${JSON.stringify(ref.name)} among the ${items.length} this identity can see`;
  throw new StepFailure(
    `${ref.variable}=${JSON.stringify(ref.name)}: ${why}`,
    { [`${kind}s visible`]: items.length },
    {
      failureClass: 'fabric-not-found',
      cause: `the ${kind} name does not match one ${kind} the identity can read`,
      hint: `check ${ref.variable} (an id or the exact display name) and that the identity has at least ${ROLE_NEEDED.topology}`,
    },
  );
}

async function findEventstream(state: State): Promise<StepOutcome> {
  const client = clientOf(state);
  const start = performance.now();
  try {
    const ws = await resolveItem(state.config.workspace, 'workspace', () => client.listWorkspaces());
    state.workspace = ws;
    const es = await resolveItem(state.config.eventstream, 'eventstream', () => client.listEventstreams(ws.id));
    const item = await client.getEventstream(ws.id, es.id);
    state.eventstream = { id: item.id, name: item.displayName ?? es.name };
  } catch (error) {
    throw failureFrom('the eventstream could not be found', error);
  }
  const name = state.eventstream.name ?? state.eventstream.id;
  return {
    message: `eventstream ${JSON.stringify(name)} in workspace ${state.workspace.name ?? state.workspace.id}`,
    measured: {
      workspace: state.workspace.name ?? state.workspace.id,
      'workspace id': state.workspace.id,
      eventstream: name,
      'eventstream id': state.eventstream.id,
      'lookup ms': elapsedMs(start),
    },
  };
}

function remaining(state: State): number {
  return Math.max(0, state.deadlineAt - Date.now());
}

/** Reads the topology; while a node is Creating, Updating or Resuming, asks again until it settles or the settle deadline passes. */
async function readTopology(state: State): Promise<{ view: TopologyView; settleMs: number; reads: number }> {
  const client = clientOf(state);
  const ws = state.workspace?.id ?? '';
  const es = state.eventstream?.id ?? '';
  const start = performance.now();
  const settleUntil = Date.now() + state.options.settings.CONTROL_PLANE_SETTLE_MS;
  let reads = 1;
  let view = topologyView(await client.getTopology(ws, es));
  while (isSettling(view) && Date.now() < settleUntil) {
    // Fabric has no change notification: poll at a gentle interval, bounded by the settle deadline.
    await sleep(Math.min(POLL_INTERVAL_MS, Math.max(0, settleUntil - Date.now())));
    view = topologyView(await client.getTopology(ws, es, { deadlineAt: settleUntil + state.options.settings.CONTROL_PLANE_REQUEST_TIMEOUT_MS }));
    reads++;
  }
  const policy = { warning: state.options.settings.CONTROL_PLANE_WARNING };
  return { view: judgedView(view, policy), settleMs: reads > 1 ? elapsedMs(start) : 0, reads };
}

/** How often a settling node is asked about again. */
const POLL_INTERVAL_MS = 1000;

/** A node's measured value: its status, and for a destination the nodes that feed it. */
function nodeValue(view: TopologyView, n: TopologyNode, kind: 'source' | 'destination'): string {
  const status = n.status ?? '(none)';
  const feeds = kind === 'destination' ? feedersOf(view, n) : [];
  return feeds.length ? `${status}, fed by ${feeds.join(', ')}` : status;
}

function kindOutcome(state: State, kind: 'source' | 'destination', extra: Measured): StepOutcome {
  const view = state.view as TopologyView;
  const j = judgeKind(view, kind);
  const line = (n: TopologyNode) => describeNode(n, kind === 'destination' ? feedersOf(view, n) : undefined);
  const measured: Measured = {
    [`${kind}s`]: j.nodes.length,
    running: j.nodes.filter((n) => n.verdict === 'pass').length,
    ...Object.fromEntries(j.nodes.map((n) => [`${n.name} (${n.type})`, nodeValue(view, n, kind)])),
    ...extra,
  };
  const thresholds: Measured = { 'status Warning': state.options.settings.CONTROL_PLANE_WARNING, 'settle ms': state.options.settings.CONTROL_PLANE_SETTLE_MS };
  if (j.failed.length > 0) {
    throw new StepFailure(`${j.failed.length} of ${j.nodes.length} ${kind}(s) not running: ${j.failed.map(line).join('; ')}`, measured, {
      failureClass: kind === 'source' ? 'fabric-source-down' : 'fabric-destination-down',
      cause: `Fabric reports the ${kind} is not Running, so events do not flow through it`,
      hint: `open the eventstream in Fabric, fix the ${kind}'s error (or resume it), then run again; this suite never pauses or resumes anything`,
    });
  }
  const warnings = [...j.warned.map((n) => `${line(n)}`), ...j.notes.map((n) => `note: ${line(n)}`)];
  const names = j.nodes.map((n) => `${n.name} (${n.type}) ${n.status ?? ''}`.trim()).join(', ');
  return { message: j.nodes.length ? `${j.nodes.length} ${kind}(s): ${names}` : `no ${kind}s`, measured, thresholds, warnings };
}

async function judgeSources(state: State): Promise<StepOutcome> {
  let read;
  try {
    read = await readTopology(state);
  } catch (error) {
    throw failureFrom('the topology could not be read', error);
  }
  state.view = read.view;
  return kindOutcome(state, 'source', { 'topology reads': read.reads, ...(read.settleMs ? { 'settle ms': read.settleMs } : {}) });
}

async function judgeDestinations(state: State): Promise<StepOutcome> {
  return kindOutcome(state, 'destination', {});
}

/** The custom endpoint source the run writes to: FABRIC_SOURCE_NAME, or the only one. */
function pickSource(state: State): TopologyNode {
  const view = state.view as TopologyView;
  const endpoints = view.nodes.filter((n) => n.kind === 'source' && isCustomEndpoint(n));
  const wanted = state.config.sourceName;
  const found = wanted ? endpoints.filter((n) => n.name === wanted) : endpoints;
  if (found.length === 1 && found[0]) return found[0];
  const names = endpoints.map((n) => n.name).join(', ') || 'none';
  const why = wanted
    ? `no custom endpoint source named ${JSON.stringify(wanted)} (FABRIC_SOURCE_NAME); custom endpoint sources: ${names}`
    : endpoints.length === 0
      ? 'the eventstream has no custom endpoint source, so there is no Kafka endpoint to test'
      : `the eventstream has ${endpoints.length} custom endpoint sources (${names}): set FABRIC_SOURCE_NAME to the one this run writes to`;
  throw new StepFailure(
    why,
    { 'custom endpoint sources': endpoints.length },
    {
      failureClass: 'fabric-custom-endpoint',
      cause: 'the run cannot tell which custom endpoint source it writes to',
      hint: 'add a custom endpoint source in the eventstream, or set FABRIC_SOURCE_NAME',
    },
  );
}

/** Whether the run must take its Kafka settings from Fabric: the control plane is set and no bootstrap/password is. */
export function wantsDiscovery(env: Env): boolean {
  return !env.FABRIC_KAFKA_BOOTSTRAP?.trim() && !env.FABRIC_KAFKA_PASSWORD?.trim();
}

async function readConnection(state: State, source: TopologyNode, discovery: boolean): Promise<string[]> {
  try {
    state.connection = await clientOf(state).getSourceConnection(state.workspace?.id ?? '', state.eventstream?.id ?? '', source.id);
    return [];
  } catch (error) {
    const forbidden = error instanceof FabricApiError && (error.status === 403 || error.failureClass === 'forbidden');
    if (forbidden && !discovery)
      return [`the connection of ${source.name} is not readable (${ROLE_NEEDED.connection} is needed): the bootstrap and topic were not compared`];
    throw failureFrom(
      `the connection of the custom endpoint source ${source.name} could not be read${discovery ? ' (needed: FABRIC_KAFKA_BOOTSTRAP and FABRIC_KAFKA_PASSWORD are unset)' : ''}`,
      error,
    );
  }
}

/** The user's bootstrap host and topic must be this source's namespace and event hub, or they point at another eventstream. */
function compareWithSettings(state: State, source: TopologyNode): Measured {
  const c = state.connection;
  if (!c) return {};
  const env = state.options.env;
  // The same parser the Environment check uses; a malformed value is that check's to report.
  const bootstrapHost = parseBootstrap(env.FABRIC_KAFKA_BOOTSTRAP, EVENTSTREAM_PORT).brokers[0]?.host;
  const topic = env.FABRIC_TOPIC_TELEMETRY?.trim();
  const mismatches: string[] = [];
  if (bootstrapHost && bootstrapHost.toLowerCase() !== c.fullyQualifiedNamespace.toLowerCase())
    mismatches.push(`FABRIC_KAFKA_BOOTSTRAP host ${bootstrapHost} is not ${source.name}'s namespace ${c.fullyQualifiedNamespace}`);
  if (topic && !wantsDiscovery(env) && topic !== c.eventHubName)
    mismatches.push(`FABRIC_TOPIC_TELEMETRY ${topic} is not ${source.name}'s event hub ${c.eventHubName}`);
  const measured: Measured = { namespace: c.fullyQualifiedNamespace, 'event hub': c.eventHubName };
  if (mismatches.length > 0) {
    throw new StepFailure(mismatches.join('; '), measured, {
      failureClass: 'fabric-other-eventstream',
      cause: 'the Kafka settings point at another eventstream (or another custom endpoint) than FABRIC_WORKSPACE_ID/FABRIC_EVENTSTREAM_ID',
      hint: `copy the bootstrap and topic from ${source.name}'s Kafka tab, or unset FABRIC_KAFKA_BOOTSTRAP and FABRIC_KAFKA_PASSWORD to take them from Fabric`,
    });
  }
  return measured;
}

/** The Kafka settings the user left unset, from the source's connection (and a custom endpoint destination's, for the round trip). */
async function discover(state: State): Promise<string[]> {
  const c = state.connection;
  const env = state.options.env;
  if (!c) return [];
  const port = env.FABRIC_KAFKA_PORT?.trim() || String(EVENTSTREAM_PORT);
  const set = (k: string, v: string | undefined) => {
    if (v && !env[k]?.trim()) state.discoveredEnv[k] = v;
  };
  registerSecret(c.accessKeys.primaryConnectionString);
  set('FABRIC_KAFKA_BOOTSTRAP', `${c.fullyQualifiedNamespace}:${port}`);
  set('FABRIC_KAFKA_USERNAME', CONNECTION_STRING_USERNAME);
  set('FABRIC_KAFKA_PASSWORD', c.accessKeys.primaryConnectionString);
  set('FABRIC_TOPIC_TELEMETRY', c.eventHubName);
  set('FABRIC_TOPIC_ORDERS', c.eventHubName);
  return discoverConsumer(state, port);
}

/** The round trip's consumer from a custom endpoint destination (FABRIC_DESTINATION_NAME, or the only one). */
async function discoverConsumer(state: State, port: string): Promise<string[]> {
  const env = state.options.env;
  if (['FABRIC_CONSUMER_BOOTSTRAP', 'FABRIC_CONSUMER_PASSWORD', 'FABRIC_CONSUMER_TOPIC', 'FABRIC_CONSUMER_GROUP'].some((v) => env[v]?.trim())) return [];
  const wanted = state.config.destinationName;
  const candidates = (state.view?.nodes ?? []).filter((n) => n.kind === 'destination' && isCustomEndpoint(n) && (!wanted || n.name === wanted));
  const destination = candidates.length === 1 ? candidates[0] : undefined;
  if (!destination)
    return candidates.length > 1 ? [`${candidates.length} custom endpoint destinations: set FABRIC_DESTINATION_NAME to read the round trip from one`] : [];
  try {
    const d = await clientOf(state).getDestinationConnection(state.workspace?.id ?? '', state.eventstream?.id ?? '', destination.id);
    registerSecret(d.accessKeys.primaryConnectionString);
    state.discoveredEnv.FABRIC_CONSUMER_BOOTSTRAP = `${d.fullyQualifiedNamespace}:${port}`;
    state.discoveredEnv.FABRIC_CONSUMER_PASSWORD = d.accessKeys.primaryConnectionString;
    state.discoveredEnv.FABRIC_CONSUMER_TOPIC = d.eventHubName;
    state.discoveredEnv.FABRIC_CONSUMER_GROUP = d.consumerGroupName ?? '$Default';
    return [];
  } catch (error) {
    return [
      `the round trip's destination ${destination.name} could not be read (${error instanceof Error ? error.message : String(error)}): the round trip is not run`,
    ];
  }
}

async function judgeCustomEndpoint(state: State): Promise<StepOutcome> {
  const source = pickSource(state);
  state.source = source;
  const discovery = wantsDiscovery(state.options.env);
  const warnings = await readConnection(state, source, discovery);
  const compared = compareWithSettings(state, source);
  if (source.verdict !== 'pass') {
    throw new StepFailure(
      `the run's custom endpoint source ${describeNode(source)}`,
      { source: source.name, status: source.status ?? '(none)', ...compared },
      {
        failureClass: 'fabric-source-down',
        cause: 'the custom endpoint source the run writes to is not Running: Eventstream does not take its events on',
        hint: 'resume or fix the source in Fabric, then run again',
      },
    );
  }
  if (discovery) warnings.push(...(await discover(state)));
  const keys = state.connection?.accessKeys;
  if (discovery && keys?.secondaryConnectionString) {
    registerSecret(keys.secondaryConnectionString);
    state.extraLogins.push({ label: 'secondary key', password: keys.secondaryConnectionString });
  }
  const discovered = Object.keys(state.discoveredEnv);
  return {
    message: `${source.name} is Running${state.connection ? ` (${state.connection.fullyQualifiedNamespace}, event hub ${state.connection.eventHubName})` : ''}${discovered.length ? `; taken from Fabric: ${discovered.join(', ')}` : ''}`,
    measured: {
      source: source.name,
      status: source.status ?? '(none)',
      ...compared,
      'taken from Fabric': discovered.length ? discovered.join(', ') : '(none)',
    },
    warnings,
  };
}

async function judgeTestEvents(state: State): Promise<StepOutcome> {
  const view = state.view as TopologyView;
  const source = state.source as TopologyNode;
  const exposure = whereTestEventsGo(view, source.id).filter((e) => e.reached);
  const reached = exposure.filter((e) => !isCustomEndpoint(e.destination));
  const open = reached.filter((e) => e.unprotected);
  const filters = view.nodes.filter((n) => n.kind === 'operator' && n.type === FILTER_OPERATOR_TYPE && n.dropsTestEvents).map((n) => n.name);
  const measured: Measured = {
    'destinations reached': reached.length,
    unprotected: open.length ? open.map((e) => e.destination.name).join(', ') : '(none)',
    'filters dropping readinessTest': filters.length ? filters.join(', ') : '(none)',
  };
  const light = state.options.settings.LOAD === 'light';
  const advice = 'add a Filter operator before it that keeps only events where readinessTest is null (the suite marks every test event with that field)';
  const lines = open.map((e) => `${light ? 'note: ' : ''}test events reach ${e.destination.name} (${e.destination.type}) unfiltered: ${advice}`);
  // The round trip reads test events back through a custom endpoint destination: a Filter before it would lose them all.
  const blinded = exposure.filter((e) => !e.unprotected && isCustomEndpoint(e.destination));
  for (const e of blinded)
    lines.push(
      `the custom endpoint destination ${e.destination.name} is behind ${e.filters.join(', ')}, which drops test events: a round trip read there finds none`,
    );
  return {
    message: open.length
      ? `${open.length} of ${reached.length} destination(s) receive test events unfiltered`
      : `every destination the run's events reach (${reached.length}) is behind a Filter that drops them`,
    measured,
    thresholds: { unprotected: 0 },
    warnings: lines,
  };
}

/** The steps in order, each with the function that decides it (titles and ids in support/record/control-plane.ts). */
const STEPS: ReadonlyArray<{
  readonly step: ControlPlaneStepName;
  readonly run: (state: State) => Promise<StepOutcome>;
  readonly needs?: (s: State) => string | undefined;
}> = [
  { step: 'identity', run: obtainToken },
  { step: 'eventstream', run: findEventstream, needs: (s) => (s.client ? undefined : 'no token (see Identity)') },
  { step: 'sources', run: judgeSources, needs: (s) => (s.eventstream ? undefined : 'the eventstream was not found (see Eventstream found)') },
  { step: 'destinations', run: judgeDestinations, needs: (s) => (s.view ? undefined : 'the topology could not be read (see Sources)') },
  { step: 'custom-endpoint', run: judgeCustomEndpoint, needs: (s) => (s.view ? undefined : 'the topology could not be read (see Sources)') },
  { step: 'test-events', run: judgeTestEvents, needs: (s) => (s.source ? undefined : "the run's custom endpoint source is unknown (see Custom endpoint)") },
];

/** Fabric's 429s during one step: the time waited as Retry-After asked, as a measured value and a warning. */
function throttling(state: State, waitsBefore: number): { measured: Measured; warnings: string[] } {
  const waits = (state.client?.waits ?? []).slice(waitsBefore);
  if (waits.length === 0) return { measured: {}, warnings: [] };
  const ms = waits.reduce((a, w) => a + w.ms, 0);
  return { measured: { 'throttled ms': ms }, warnings: [`Fabric throttled ${waits.length} request(s) (429): waited ${ms} ms as its Retry-After asked`] };
}

async function runStep(state: State, entry: (typeof STEPS)[number]): Promise<ControlPlaneStep> {
  const start = performance.now();
  const blocked = entry.needs?.(state);
  if (blocked) return { step: entry.step, status: 'not-run', message: `not run: ${blocked}`, measured: {}, thresholds: {}, warnings: [], durationMs: 0 };
  const waitsBefore = state.client?.waits.length ?? 0;
  try {
    const out = await entry.run(state);
    const t = throttling(state, waitsBefore);
    return {
      step: entry.step,
      status: 'pass',
      message: out.message,
      measured: { ...out.measured, ...t.measured },
      thresholds: out.thresholds ?? {},
      warnings: [...(out.warnings ?? []), ...t.warnings],
      durationMs: elapsedMs(start),
    };
  } catch (error) {
    const f = failureFrom(`${entry.step}`, error);
    const t = throttling(state, waitsBefore);
    return {
      step: entry.step,
      status: 'fail',
      message: f.message,
      measured: { ...f.measured, ...t.measured },
      thresholds: {},
      warnings: t.warnings,
      diagnosis: f.diagnosis,
      durationMs: elapsedMs(start),
    };
  }
}

/** Runs every step in order; a step whose prerequisite failed is not run, with the reason. */
export async function runControlPlane(config: ControlPlaneConfig, options: ControlPlaneOptions): Promise<ControlPlaneOutcome> {
  const state: State = { config, options, deadlineAt: Date.now() + options.settings.CONTROL_PLANE_TIMEOUT_MS, discoveredEnv: {}, extraLogins: [] };
  const steps: ControlPlaneStep[] = [];
  for (const entry of STEPS) {
    const step = await runStep(state, entry);
    steps.push(step);
    options.onStep?.(step);
  }
  return {
    result: {
      configured: true,
      apiUrl: config.apiUrl,
      workspace: state.workspace,
      eventstream: state.eventstream,
      identity: state.identity,
      steps,
      topology: state.view,
      discovered: Object.keys(state.discoveredEnv),
    },
    discoveredEnv: state.discoveredEnv,
    extraLogins: state.extraLogins,
  };
}
