// A local stand-in of Fabric's Eventstream REST API (GET only, loopback): it describes the local broker as an eventstream.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { registerSecret } from '../core/redact.js';
import { CUSTOM_ENDPOINT_TYPE, FABRIC_ERROR_CODES, FILTER_OPERATOR_TYPE } from '../facts/fabric-api.js';
import { LOCAL_NAMESPACE_HOST } from './keys.js';
import type { LocalBroker } from './local-broker.js';

/** The field the suite marks its test events with; the Filter keeps only events without it. */
const TEST_EVENT_FIELD = 'readinessTest';
/** Event Hubs' default consumer group, which a custom endpoint destination names. */
const DEFAULT_CONSUMER_GROUP = '$Default';

/** One custom endpoint's event hub (a topic of the local broker) and the two connection strings it accepts. */
export interface StandInEndpoint {
  readonly topic: string;
  readonly primaryConnectionString: string;
  readonly secondaryConnectionString: string;
}

/** Fabric's node error (common.json ErrorInfo): errorDetails are strings in Microsoft's schema. */
export interface StandInNodeError {
  readonly errorCode?: string;
  readonly errorMessage: string;
  readonly errorDetails?: readonly string[];
}

export interface StandInNodeState {
  /** Running, Failed, Paused, Warning, Creating, ... (Fabric's set is open: any string is served as given). */
  readonly status: string;
  readonly error?: StandInNodeError;
  /** Creating then Running: the node reads Running from this topology read on (counted from the call; no timers). */
  readonly runningFromTopologyRead?: number;
}

/** Faults a test can script; each stays until changed (throttle counts itself down). */
export interface StandInScript {
  /** The next N requests answer 429 TooManyRequests with Retry-After: 1. */
  readonly throttle?: number;
  /** Every token is refused: 401 InvalidToken. */
  readonly refuseTokens?: boolean;
  /** The connection endpoints answer 403 InsufficientPrivileges (a Viewer, not a Contributor). */
  readonly forbidConnections?: boolean;
  /** Requests are accepted on TCP and never answered. */
  readonly hang?: boolean;
}

export interface FabricStandInOptions {
  /** The broker's host: the custom endpoints' fullyQualifiedNamespace (e.g. localhost). */
  readonly namespace: string;
  /** The custom endpoint source the run writes to (the telemetry topic). */
  readonly telemetry: StandInEndpoint;
  /** A second custom endpoint source, when the broker has an orders topic with its own key. */
  readonly orders?: StandInEndpoint;
  /** The custom endpoint destination's event hub; the telemetry topic unless given. */
  readonly destination?: StandInEndpoint;
  /** The bearer token it accepts; random per start unless given. */
  readonly token?: string;
  /** Decides instead of `token`, e.g. for tokens of a local OpenID authority. */
  readonly acceptToken?: (token: string) => boolean;
  /** Items per page of the list endpoints (default 2: the workspace and eventstream lists take two pages). */
  readonly pageSize?: number;
  readonly workspaceName?: string;
  readonly eventstreamName?: string;
  readonly script?: StandInScript;
}

export interface StandInRequest {
  readonly method: string;
  readonly path: string;
  /** 0 for a request left unanswered (hang). */
  readonly status: number;
  readonly authorization: 'ok' | 'missing' | 'refused';
}

export interface FabricStandIn {
  /** http://127.0.0.1:PORT/v1: FABRIC_API_URL. */
  readonly url: string;
  /** The token it accepts (a secret, registered for redaction). */
  readonly token: string;
  readonly workspaceId: string;
  readonly workspaceName: string;
  readonly eventstreamId: string;
  readonly eventstreamName: string;
  /** Every request, in order: the proof that the suite only reads. */
  readonly requests: readonly StandInRequest[];
  /** Node names, for setNode. */
  readonly nodes: { readonly sources: readonly string[]; readonly destinations: readonly string[] };
  setNode(name: string, state: StandInNodeState): void;
  /** Merges faults into the current script (undefined leaves a fault as it is; false or 0 clears it). */
  script(faults: StandInScript): void;
  stop(): Promise<void>;
}

/** Names of the nodes it serves. */
export const STANDIN_NODES = {
  source: 'readiness-endpoint',
  ordersSource: 'readiness-orders-endpoint',
  connector: 'sample-bicycles',
  filter: 'drop-readiness-tests',
  customDestination: 'readiness-destination',
  eventhouse: 'eventhouse-telemetry',
  lakehouse: 'lakehouse-telemetry',
} as const;

type Json = Record<string, unknown>;

interface Node {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly properties: Json;
  readonly inputNodes?: readonly string[];
  readonly endpoint?: StandInEndpoint;
  state: StandInNodeState;
  /** Topology reads at the time the state was set (for runningFromTopologyRead). */
  setAtRead: number;
}

interface Graph {
  readonly streamName: string;
  readonly streamId: string;
  readonly sources: Node[];
  readonly destinations: Node[];
}

const RUNNING: StandInNodeState = { status: 'Running' };

function node(name: string, type: string, properties: Json, extra: Partial<Node> = {}): Node {
  return { id: randomUUID(), name, type, properties, state: RUNNING, setAtRead: 0, ...extra };
}

/** The eventstream: custom endpoint source(s) and a connector into the default stream, a Filter, three destinations. */
function buildGraph(options: FabricStandInOptions, eventstreamName: string, workspaceId: string): Graph {
  const streamName = `${eventstreamName}-stream`;
  const sources = [
    node(STANDIN_NODES.source, CUSTOM_ENDPOINT_TYPE, {}, { endpoint: options.telemetry }),
    ...(options.orders ? [node(STANDIN_NODES.ordersSource, CUSTOM_ENDPOINT_TYPE, {}, { endpoint: options.orders })] : []),
    node(STANDIN_NODES.connector, 'SampleData', { type: 'Bicycles' }),
  ];
  const json = { type: 'Json', properties: { encoding: 'UTF8' } };
  const filtered = [STANDIN_NODES.filter];
  const destinations = [
    // The round trip reads its own test events back here: straight from the stream, not behind the Filter that drops them.
    node(STANDIN_NODES.customDestination, CUSTOM_ENDPOINT_TYPE, {}, { endpoint: options.destination ?? options.telemetry, inputNodes: [streamName] }),
    node(
      STANDIN_NODES.eventhouse,
      'Eventhouse',
      {
        dataIngestionMode: 'ProcessedIngestion',
        workspaceId,
        itemId: randomUUID(),
        databaseName: 'readiness',
        tableName: 'telemetry',
        inputSerialization: json,
      },
      { inputNodes: filtered },
    ),
    node(
      STANDIN_NODES.lakehouse,
      'Lakehouse',
      {
        workspaceId,
        itemId: randomUUID(),
        schema: 'dbo',
        deltaTable: 'telemetry',
        minimumRows: 100000,
        maximumDurationInSeconds: 120,
        inputSerialization: json,
      },
      { inputNodes: filtered },
    ),
  ];
  return { streamName, streamId: randomUUID(), sources, destinations };
}

/** A node's status as of this topology read: Creating turns Running once its read has come. */
function currentState(n: Node, topologyReads: number): StandInNodeState {
  const from = n.state.runningFromTopologyRead;
  if (from !== undefined && topologyReads - n.setAtRead >= from) return RUNNING;
  return n.state;
}

/** A source or destination as Microsoft's topology example shapes it. */
function nodeBody(n: Node, topologyReads: number): Json {
  const { status, error } = currentState(n, topologyReads);
  return {
    id: n.id,
    name: n.name,
    type: n.type,
    properties: n.properties,
    ...(n.inputNodes ? { inputNodes: n.inputNodes.map((name) => ({ name })) } : {}),
    status,
    ...(error ? { error: { ...error, ...(error.errorDetails ? { errorDetails: [...error.errorDetails] } : {}) } } : {}),
  };
}

function topologyBody(graph: Graph, topologyReads: number): Json {
  return {
    compatibilityLevel: '1.0',
    sources: graph.sources.map((n) => nodeBody(n, topologyReads)),
    destinations: graph.destinations.map((n) => nodeBody(n, topologyReads)),
    streams: [{ id: graph.streamId, name: graph.streamName, type: 'DefaultStream', properties: {}, inputNodes: graph.sources.map((s) => ({ name: s.name })) }],
    operators: [
      {
        name: STANDIN_NODES.filter,
        type: FILTER_OPERATOR_TYPE,
        inputNodes: [{ name: graph.streamName }],
        // IsNull on readinessTest keeps only events without the field: the suite's test events stop here.
        properties: { conditions: [{ column: { node: graph.streamName, columnName: TEST_EVENT_FIELD, columnPathSegments: [] }, operatorType: 'IsNull' }] },
      },
    ],
  };
}

/** SharedAccessKey=... of a connection string: what Fabric lists as primaryKey / secondaryKey. */
function keyOf(connectionString: string): string {
  return /SharedAccessKey=([^;]+)/i.exec(connectionString)?.[1] ?? '';
}

function connectionBody(namespace: string, n: Node, destination: boolean): Json {
  const e = n.endpoint as StandInEndpoint;
  return {
    fullyQualifiedNamespace: namespace,
    eventHubName: e.topic,
    ...(destination ? { consumerGroupName: DEFAULT_CONSUMER_GROUP } : {}),
    accessKeys: {
      primaryKey: keyOf(e.primaryConnectionString),
      secondaryKey: keyOf(e.secondaryConnectionString),
      primaryConnectionString: e.primaryConnectionString,
      secondaryConnectionString: e.secondaryConnectionString,
    },
  };
}

/** One answer: a status, a JSON body, extra headers. */
interface Reply {
  readonly status: number;
  readonly body: Json;
  readonly headers?: Record<string, string>;
}

const ok = (body: Json): Reply => ({ status: 200, body });

/** Fabric's ErrorResponse (common/definitions.json); requestId is filled in when it is sent. */
function fail(status: number, errorCode: string, message: string, extra: Json = {}): Reply {
  return { status, body: { errorCode, message, ...extra } };
}

interface Item {
  readonly id: string;
  readonly displayName: string;
}

interface Context {
  readonly options: FabricStandInOptions;
  readonly graph: Graph;
  readonly workspace: Item;
  readonly eventstream: Item;
  readonly workspaces: readonly Item[];
  readonly eventstreams: readonly Item[];
  readonly pageSize: number;
  url: string;
  topologyReads: number;
}

/** A page of a list, with continuationToken and continuationUri while more remain (the client must follow them). */
function page(ctx: Context, path: string, items: readonly Json[], query: URLSearchParams): Reply {
  const raw = query.get('continuationToken');
  const start = raw === null ? 0 : Number(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0 || start > items.length) return fail(400, 'InvalidContinuationToken', 'The continuation token is not valid.');
  const end = start + ctx.pageSize;
  if (end >= items.length) return ok({ value: items.slice(start) });
  const token = Buffer.from(String(end), 'utf8').toString('base64url');
  return ok({ value: items.slice(start, end), continuationToken: token, continuationUri: `${ctx.url}${path}?continuationToken=${token}` });
}

function workspaceBody(w: Item): Json {
  return { id: w.id, displayName: w.displayName, description: 'A workspace served by the local Fabric stand-in.', type: 'Workspace' };
}

function eventstreamBody(ctx: Context, e: Item): Json {
  return {
    id: e.id,
    displayName: e.displayName,
    description: 'An eventstream served by the local Fabric stand-in.',
    type: 'Eventstream',
    workspaceId: ctx.workspace.id,
  };
}

function notFound(what: string, id: string): Reply {
  return fail(404, FABRIC_ERROR_CODES.itemNotFound, `The requested ${what} ${id} was not found.`);
}

/** A source's or destination's node, or its connection (custom endpoints only). */
function nodeRoute(ctx: Context, kind: 'sources' | 'destinations', id: string, connection: boolean, faults: StandInScript): Reply {
  const list = kind === 'sources' ? ctx.graph.sources : ctx.graph.destinations;
  const n = list.find((x) => x.id === id);
  if (!n) return notFound(kind === 'sources' ? 'source' : 'destination', id);
  if (!connection) return ok(nodeBody(n, ctx.topologyReads));
  // Connections need read and write on the eventstream (Contributor); a Viewer gets 403.
  if (faults.forbidConnections)
    return fail(
      403,
      FABRIC_ERROR_CODES.insufficientPrivileges,
      'The caller does not have sufficient permissions to read the connection of this eventstream node.',
    );
  if (!n.endpoint) return fail(400, 'InvalidRequest', `The ${n.type} node ${n.name} is not a custom endpoint and has no connection.`);
  return ok(connectionBody(ctx.options.namespace, n, kind === 'destinations'));
}

/** Routes below /workspaces/{ws}/eventstreams/{es}. */
function eventstreamRoute(ctx: Context, rest: readonly string[], faults: StandInScript): Reply {
  const [section, id, tail, ...more] = rest;
  if (section === undefined) return ok(eventstreamBody(ctx, ctx.eventstream));
  if (section === 'topology' && id === undefined) {
    ctx.topologyReads += 1;
    return ok(topologyBody(ctx.graph, ctx.topologyReads));
  }
  if ((section === 'sources' || section === 'destinations') && id && more.length === 0 && (tail === undefined || tail === 'connection'))
    return nodeRoute(ctx, section, id, tail === 'connection', faults);
  return fail(404, 'EntityNotFound', 'The requested resource was not found.');
}

function route(ctx: Context, url: URL, faults: StandInScript): Reply {
  const parts = url.pathname.replace(/\/+$/, '').split('/').slice(1);
  if (parts[0] !== 'v1' || parts[1] !== 'workspaces') return fail(404, 'EntityNotFound', 'The requested resource was not found.');
  const [ws, items, es, ...rest] = parts.slice(2);
  if (ws === undefined) return page(ctx, '/workspaces', ctx.workspaces.map(workspaceBody), url.searchParams);
  if (ws !== ctx.workspace.id) return fail(404, FABRIC_ERROR_CODES.workspaceNotFound, `The requested workspace ${ws} was not found.`);
  if (items === undefined) return ok(workspaceBody(ctx.workspace));
  if (items !== 'eventstreams') return fail(404, 'EntityNotFound', 'The requested resource was not found.');
  if (es === undefined)
    return page(
      ctx,
      `/workspaces/${ws}/eventstreams`,
      ctx.eventstreams.map((e) => eventstreamBody(ctx, e)),
      url.searchParams,
    );
  if (es !== ctx.eventstream.id) return notFound('eventstream', es);
  return eventstreamRoute(ctx, rest, faults);
}

function authorizationOf(req: IncomingMessage, accept: (token: string) => boolean, faults: StandInScript): StandInRequest['authorization'] {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) return 'missing';
  return !faults.refuseTokens && accept(match[1]) ? 'ok' : 'refused';
}

/** The answer to one request, in Fabric's order: method, token, throttling, then the route. */
function answer(ctx: Context, req: IncomingMessage, authorization: StandInRequest['authorization'], faults: { current: StandInScript }): Reply {
  if (req.method !== 'GET') return { ...fail(405, 'MethodNotAllowed', `The stand-in only reads: ${req.method} is not allowed.`), headers: { Allow: 'GET' } };
  if (authorization === 'missing') return fail(401, FABRIC_ERROR_CODES.unauthorized, 'The request has no bearer token (Authorization: Bearer <token>).');
  if (authorization === 'refused') return fail(401, FABRIC_ERROR_CODES.invalidToken, 'Access token is invalid.');
  if ((faults.current.throttle ?? 0) > 0) {
    faults.current = { ...faults.current, throttle: (faults.current.throttle ?? 0) - 1 };
    return {
      ...fail(429, FABRIC_ERROR_CODES.tooManyRequests, 'The request was throttled: too many requests.', { isRetriable: true }),
      headers: { 'Retry-After': '1' },
    };
  }
  return route(ctx, new URL(req.url ?? '/', 'http://127.0.0.1'), faults.current);
}

function send(res: ServerResponse, reply: Reply): void {
  const requestId = randomUUID();
  const body = reply.status >= 400 ? { ...reply.body, requestId } : reply.body;
  res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8', requestId, ...reply.headers });
  res.end(JSON.stringify(body));
}

function items(selected: Item, decoyPrefix: string, count: number): Item[] {
  const decoys = Array.from({ length: count }, (_, i) => ({ id: randomUUID(), displayName: `${decoyPrefix} ${i + 1}` }));
  // The one the run looks for comes last: a client that does not follow continuationUri does not find it.
  return [...decoys, selected];
}

function listen(server: Server): Promise<number> {
  return new Promise((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolveListen(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  let closed: Promise<void> | undefined;
  return () => {
    // Hung requests keep their sockets open: destroy them, or close() would wait for them forever.
    closed ??= new Promise((done) => {
      server.close(() => done());
      for (const s of sockets) s.destroy();
    });
    return closed;
  };
}

/** A topic's custom endpoint: its two keys as the broker issued them; none when the broker has no own key for it. */
function endpointOf(broker: Pick<LocalBroker, 'keys'>, topic: string | undefined): StandInEndpoint | undefined {
  const primary = topic ? broker.keys.byTopic[topic] : undefined;
  const secondary = topic ? broker.keys.secondaryByTopic[topic] : undefined;
  return topic && primary && secondary ? { topic, primaryConnectionString: primary, secondaryConnectionString: secondary } : undefined;
}

/**
 * The custom endpoints a local broker offers: telemetry as the source the run writes to, orders as a second source
 * when it is another topic with its own key, and the round trip's topic (a relay's destination topic) as the
 * custom endpoint destination.
 */
export function standInEndpoints(broker: Pick<LocalBroker, 'env' | 'keys'>): Pick<FabricStandInOptions, 'namespace' | 'telemetry' | 'orders' | 'destination'> {
  const telemetry = endpointOf(broker, broker.env.FABRIC_TOPIC_TELEMETRY);
  if (!telemetry)
    throw new Error(`fabric stand-in: the broker issued no key of its own for the telemetry topic ${JSON.stringify(broker.env.FABRIC_TOPIC_TELEMETRY)}`);
  const ordersTopic = broker.env.FABRIC_TOPIC_ORDERS;
  const orders = ordersTopic !== telemetry.topic ? endpointOf(broker, ordersTopic) : undefined;
  const destination = endpointOf(broker, broker.env.FABRIC_CONSUMER_TOPIC) ?? telemetry;
  return { namespace: LOCAL_NAMESPACE_HOST, telemetry, ...(orders ? { orders } : {}), destination };
}

/** FABRIC_* settings that point the control plane at a stand-in (the token is a secret). */
export function standInEnv(standIn: Pick<FabricStandIn, 'url' | 'token' | 'workspaceId' | 'eventstreamId' | 'nodes'>): Record<string, string> {
  return {
    FABRIC_WORKSPACE_ID: standIn.workspaceId,
    FABRIC_EVENTSTREAM_ID: standIn.eventstreamId,
    FABRIC_API_URL: standIn.url,
    FABRIC_API_TOKEN: standIn.token,
    // With an orders endpoint the eventstream has two custom endpoint sources: name the one the run writes to.
    ...(standIn.nodes.sources.includes(STANDIN_NODES.ordersSource) ? { FABRIC_SOURCE_NAME: STANDIN_NODES.source } : {}),
  };
}

function newContext(options: FabricStandInOptions): Context {
  const workspace = { id: randomUUID(), displayName: options.workspaceName ?? 'readiness-local' };
  const eventstream = { id: randomUUID(), displayName: options.eventstreamName ?? 'readiness-eventstream' };
  const pageSize = options.pageSize ?? 2;
  return {
    options,
    graph: buildGraph(options, eventstream.displayName, workspace.id),
    workspace,
    eventstream,
    workspaces: items(workspace, 'other workspace', pageSize),
    eventstreams: items(eventstream, 'other eventstream', pageSize),
    pageSize,
    url: '',
    topologyReads: 0,
  };
}

function nodeSetter(ctx: Context): FabricStandIn['setNode'] {
  const all = [...ctx.graph.sources, ...ctx.graph.destinations];
  return (name, state) => {
    const n = all.find((x) => x.name === name);
    if (!n) throw new Error(`fabric stand-in: no source or destination named ${JSON.stringify(name)} (known: ${all.map((x) => x.name).join(', ')})`);
    n.state = state;
    n.setAtRead = ctx.topologyReads;
  };
}

/** The request handler: every request is logged, hung ones with status 0. */
function handler(ctx: Context, accept: (token: string) => boolean, faults: { current: StandInScript }, requests: StandInRequest[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const authorization = authorizationOf(req, accept, faults.current);
    const entry = { method: req.method ?? '', path: (req.url ?? '/').split('?')[0] ?? '/', authorization };
    if (faults.current.hang) {
      requests.push({ ...entry, status: 0 });
      return;
    }
    const reply = answer(ctx, req, authorization, faults);
    requests.push({ ...entry, status: reply.status });
    send(res, reply);
  };
}

/** Starts the stand-in on 127.0.0.1 (a free port); stop() closes it, hung requests included. */
export async function startFabricStandIn(options: FabricStandInOptions): Promise<FabricStandIn> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  registerSecret(token);
  // What it hands out are the broker's keys: secrets wherever they came from (a test may pass made-up ones).
  for (const e of [options.telemetry, options.orders, options.destination]) {
    registerSecret(e?.primaryConnectionString);
    registerSecret(e?.secondaryConnectionString);
  }
  const ctx = newContext(options);
  const faults = { current: { ...options.script } };
  const requests: StandInRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(handler(ctx, options.acceptToken ?? ((t: string) => t === token), faults, requests));
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  ctx.url = `http://127.0.0.1:${port}/v1`;
  // An in-process server dies with the process (exit, Ctrl-C, SIGKILL): nothing outlives the run. unref: it never
  // keeps a process alive on its own, e.g. when a teardown was skipped.
  server.unref();
  return {
    url: ctx.url,
    token,
    workspaceId: ctx.workspace.id,
    workspaceName: ctx.workspace.displayName,
    eventstreamId: ctx.eventstream.id,
    eventstreamName: ctx.eventstream.displayName,
    requests,
    nodes: { sources: ctx.graph.sources.map((n) => n.name), destinations: ctx.graph.destinations.map((n) => n.name) },
    setNode: nodeSetter(ctx),
    script: (more) => {
      faults.current = { ...faults.current, ...Object.fromEntries(Object.entries(more).filter(([, v]) => v !== undefined)) };
    },
    stop: closer(server, sockets),
  };
}
