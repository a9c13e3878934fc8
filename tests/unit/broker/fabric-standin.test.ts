// The Fabric stand-in, in process against a fake broker description: its graph, paging, auth, read-only log and each state control.
import { afterEach, describe, expect, test } from 'vitest';
import { brokerKeys, issueKeys } from '../../../support/broker/keys.js';
import {
  STANDIN_NODES,
  standInEndpoints,
  standInEnv,
  startFabricStandIn,
  type FabricStandIn,
  type FabricStandInOptions,
} from '../../../support/broker/fabric-standin.js';

/** Bound on every request a test makes: a stand-in that does not answer fails the test in seconds. */
const REQUEST_TIMEOUT_MS = 3000;

const fakeKey = (name: string, secret: string, topic: string) =>
  `Endpoint=sb://localhost/;SharedAccessKeyName=${name};SharedAccessKey=${secret};EntityPath=${topic}`;
const TELEMETRY = {
  topic: 'telemetry',
  primaryConnectionString: fakeKey('key_telemetry', 'primary-secret', 'telemetry'),
  secondaryConnectionString: fakeKey('key2_telemetry', 'secondary-secret', 'telemetry'),
};
const ORDERS = {
  topic: 'orders',
  primaryConnectionString: fakeKey('key_orders', 'orders-1', 'orders'),
  secondaryConnectionString: fakeKey('key2_orders', 'orders-2', 'orders'),
};

type Body = Record<string, unknown> & { value?: Body[]; continuationUri?: string };
interface Answer {
  readonly status: number;
  readonly body: Body;
  readonly headers: Headers;
}

const started: FabricStandIn[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function standIn(options: Partial<FabricStandInOptions> = {}): Promise<FabricStandIn> {
  const s = await startFabricStandIn({ namespace: 'localhost', telemetry: TELEMETRY, ...options });
  started.push(s);
  return s;
}

async function call(s: FabricStandIn, path: string, init: { method?: string; token?: string | null } = {}): Promise<Answer> {
  const token = init.token === undefined ? s.token : init.token;
  const url = path.startsWith('http') ? path : `${s.url}${path}`;
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: token === null ? {} : { Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, body: (await res.json()) as Body, headers: res.headers };
}

const esPath = (s: FabricStandIn) => `/workspaces/${s.workspaceId}/eventstreams/${s.eventstreamId}`;

async function topology(s: FabricStandIn): Promise<{ sources: Body[]; destinations: Body[]; streams: Body[]; operators: Body[] }> {
  const a = await call(s, `${esPath(s)}/topology`);
  expect(a.status).toBe(200);
  return a.body as never;
}

async function nodeId(s: FabricStandIn, kind: 'sources' | 'destinations', name: string): Promise<string> {
  const id = (await topology(s))[kind].find((n) => n.name === name)?.id;
  if (typeof id !== 'string') throw new Error(`no ${kind} node ${name}`);
  return id;
}

const statusOf = async (s: FabricStandIn, name: string) => {
  const t = await topology(s);
  return [...t.sources, ...t.destinations].find((n) => n.name === name);
};

/** Follows continuationUri to the end, as a client must; returns every page's value. */
async function allPages(s: FabricStandIn, path: string): Promise<Body[][]> {
  const pages: Body[][] = [];
  let next: string | undefined = path;
  while (next && pages.length < 10) {
    const a: Answer = await call(s, next);
    expect(a.status).toBe(200);
    pages.push(a.body.value ?? []);
    next = a.body.continuationUri;
  }
  return pages;
}

describe('the eventstream it describes', () => {
  test('a custom endpoint and a connector source feed the default stream; a Filter dropping readinessTest feeds the Eventhouse and the Lakehouse, the stream the custom endpoint destination', async () => {
    const s = await standIn();
    const t = await topology(s);
    expect(t.sources.map((n) => [n.name, n.type, n.status])).toEqual([
      [STANDIN_NODES.source, 'CustomEndpoint', 'Running'],
      [STANDIN_NODES.connector, 'SampleData', 'Running'],
    ]);
    expect(t.streams).toEqual([expect.objectContaining({ type: 'DefaultStream', inputNodes: t.sources.map((n) => ({ name: n.name })) })]);
    const [filter] = t.operators;
    expect(filter).toMatchObject({ type: 'Filter', inputNodes: [{ name: t.streams[0]?.name }] });
    expect(filter?.properties).toEqual({
      conditions: [expect.objectContaining({ column: expect.objectContaining({ columnName: 'readinessTest' }), operatorType: 'IsNull' })],
    });
    // The custom endpoint destination (where the round trip reads its test events back) hangs off the stream itself.
    expect(t.destinations.map((n) => [n.type, n.status, n.inputNodes])).toEqual([
      ['CustomEndpoint', 'Running', [{ name: t.streams[0]?.name }]],
      ...['Eventhouse', 'Lakehouse'].map((type) => [type, 'Running', [{ name: STANDIN_NODES.filter }]]),
    ]);
  });

  test("the source's connection is the broker's topic with both connection strings and their keys", async () => {
    const s = await standIn();
    const c = await call(s, `${esPath(s)}/sources/${await nodeId(s, 'sources', STANDIN_NODES.source)}/connection`);
    expect(c.body).toEqual({
      fullyQualifiedNamespace: 'localhost',
      eventHubName: 'telemetry',
      accessKeys: { primaryKey: 'primary-secret', secondaryKey: 'secondary-secret', ...TELEMETRY, topic: undefined },
    });
  });

  test("the custom endpoint destination's connection names the consumer group $Default", async () => {
    const s = await standIn();
    const c = await call(s, `${esPath(s)}/destinations/${await nodeId(s, 'destinations', STANDIN_NODES.customDestination)}/connection`);
    expect(c.body).toMatchObject({ fullyQualifiedNamespace: 'localhost', eventHubName: 'telemetry', consumerGroupName: '$Default' });
  });

  test('an orders topic with its own key is a second custom endpoint source, and the run is told which one it writes to', async () => {
    const s = await standIn({ orders: ORDERS });
    const t = await topology(s);
    expect(t.sources.filter((n) => n.type === 'CustomEndpoint').map((n) => n.name)).toEqual([STANDIN_NODES.source, STANDIN_NODES.ordersSource]);
    const c = await call(s, `${esPath(s)}/sources/${await nodeId(s, 'sources', STANDIN_NODES.ordersSource)}/connection`);
    expect(c.body).toMatchObject({ eventHubName: 'orders', accessKeys: { primaryConnectionString: ORDERS.primaryConnectionString } });
    expect(standInEnv(s).FABRIC_SOURCE_NAME).toBe(STANDIN_NODES.source);
  });

  test('a single source and node GET answer the same node as the topology', async () => {
    const s = await standIn();
    const id = await nodeId(s, 'destinations', STANDIN_NODES.lakehouse);
    const a = await call(s, `${esPath(s)}/destinations/${id}`);
    expect(a.body).toMatchObject({ id, name: STANDIN_NODES.lakehouse, type: 'Lakehouse', status: 'Running' });
  });
});

describe('the lists', () => {
  test("workspaces and eventstreams come in two pages, and only following continuationUri finds the run's", async () => {
    const s = await standIn();
    const workspaces = await allPages(s, '/workspaces');
    expect(workspaces).toHaveLength(2);
    expect(workspaces[0]?.map((w) => w.id)).not.toContain(s.workspaceId);
    expect(workspaces.flat().find((w) => w.id === s.workspaceId)).toMatchObject({ displayName: s.workspaceName, type: 'Workspace' });
    const eventstreams = await allPages(s, `/workspaces/${s.workspaceId}/eventstreams`);
    expect(eventstreams).toHaveLength(2);
    expect(eventstreams.flat().find((e) => e.id === s.eventstreamId)).toMatchObject({ displayName: s.eventstreamName, type: 'Eventstream' });
  });

  test('the first page carries a continuationToken beside its continuationUri', async () => {
    const s = await standIn();
    const first = await call(s, '/workspaces');
    expect(first.body.continuationUri).toBe(`${s.url}/workspaces?continuationToken=${String(first.body.continuationToken)}`);
  });
});

describe("errors in Fabric's shape", () => {
  test('unknown ids answer 404 with a requestId in the body and in the header', async () => {
    const s = await standIn();
    const unknown = '00000000-0000-0000-0000-000000000000';
    const es = await call(s, `/workspaces/${s.workspaceId}/eventstreams/${unknown}`);
    expect(es.status).toBe(404);
    expect(es.body).toMatchObject({ errorCode: 'ItemNotFound', message: expect.stringContaining(unknown) });
    expect(es.body.requestId).toBe(es.headers.get('requestId'));
    expect((await call(s, `${esPath(s)}/sources/${unknown}`)).body.errorCode).toBe('ItemNotFound');
    expect((await call(s, `/workspaces/${unknown}`)).body.errorCode).toBe('WorkspaceNotFound');
  });

  test('every answer carries a requestId header, a success too', async () => {
    const s = await standIn();
    expect((await call(s, '/workspaces')).headers.get('requestId')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a connector has no connection: 400, not a key', async () => {
    const s = await standIn();
    const a = await call(s, `${esPath(s)}/sources/${await nodeId(s, 'sources', STANDIN_NODES.connector)}/connection`);
    expect(a.status).toBe(400);
  });
});

describe('read only', () => {
  test('POST /pause answers 405 and the request log shows it', async () => {
    const s = await standIn();
    const a = await call(s, `${esPath(s)}/pause`, { method: 'POST' });
    expect(a.status).toBe(405);
    expect(a.body).toMatchObject({ errorCode: 'MethodNotAllowed', requestId: expect.any(String) });
    expect(s.requests).toEqual([{ method: 'POST', path: `/v1${esPath(s)}/pause`, status: 405, authorization: 'ok' }]);
  });
});

describe('bearer auth', () => {
  test('no token: 401, logged as missing', async () => {
    const s = await standIn();
    const a = await call(s, '/workspaces', { token: null });
    expect([a.status, a.body.errorCode, s.requests[0]?.authorization]).toEqual([401, 'Unauthorized', 'missing']);
  });

  test('another token: 401 InvalidToken, logged as refused', async () => {
    const s = await standIn();
    const a = await call(s, '/workspaces', { token: 'not-the-token' });
    expect([a.status, a.body.errorCode, s.requests[0]?.authorization]).toEqual([401, 'InvalidToken', 'refused']);
  });

  test('the token is random per start unless given', async () => {
    const [a, b] = [await standIn(), await standIn()];
    expect(a.token).not.toBe(b.token);
    expect((await standIn({ token: 'given-token' })).token).toBe('given-token');
  });

  test('acceptToken decides instead, e.g. for a local OpenID authority', async () => {
    const s = await standIn({ acceptToken: (t) => t.startsWith('idp.') });
    expect((await call(s, '/workspaces', { token: 'idp.abc' })).status).toBe(200);
    expect((await call(s, '/workspaces', { token: s.token })).status).toBe(401);
  });

  test('refuseTokens refuses even the right token', async () => {
    const s = await standIn();
    s.script({ refuseTokens: true });
    expect((await call(s, '/workspaces')).body.errorCode).toBe('InvalidToken');
    s.script({ refuseTokens: false });
    expect((await call(s, '/workspaces')).status).toBe(200);
  });
});

describe('node states', () => {
  test("a destination Failed carries Fabric's error with code, message and details", async () => {
    const s = await standIn();
    const error = { errorCode: 'MappingNotFound', errorMessage: 'The table mapping was deleted.', errorDetails: ['table telemetry'] };
    s.setNode(STANDIN_NODES.eventhouse, { status: 'Failed', error });
    expect(await statusOf(s, STANDIN_NODES.eventhouse)).toMatchObject({ status: 'Failed', error });
    const id = await nodeId(s, 'destinations', STANDIN_NODES.eventhouse);
    expect((await call(s, `${esPath(s)}/destinations/${id}`)).body).toMatchObject({ status: 'Failed', error });
  });

  test.each([
    [STANDIN_NODES.source, 'Paused'],
    [STANDIN_NODES.connector, 'Warning'],
  ])('%s can be %s', async (name, status) => {
    const s = await standIn();
    s.setNode(name, { status });
    expect((await statusOf(s, name))?.status).toBe(status);
  });

  test('Creating then Running from the Nth topology read on, counted from the call', async () => {
    const s = await standIn();
    await topology(s);
    s.setNode(STANDIN_NODES.lakehouse, { status: 'Creating', runningFromTopologyRead: 3 });
    const seen = [];
    for (let i = 0; i < 4; i += 1) seen.push((await statusOf(s, STANDIN_NODES.lakehouse))?.status);
    expect(seen).toEqual(['Creating', 'Creating', 'Running', 'Running']);
  });

  test('an unknown node name is refused, naming the known ones', async () => {
    const s = await standIn();
    expect(() => s.setNode('nope', { status: 'Failed' })).toThrow(/no source or destination named "nope" \(known: readiness-endpoint/);
  });
});

describe('faults', () => {
  test('throttle: the next 2 requests answer 429 with Retry-After: 1, the third 200', async () => {
    const s = await standIn({ script: { throttle: 2 } });
    const answers = [await call(s, '/workspaces'), await call(s, '/workspaces'), await call(s, '/workspaces')];
    expect(answers.map((a) => a.status)).toEqual([429, 429, 200]);
    expect(answers[0]?.headers.get('Retry-After')).toBe('1');
    expect(answers[0]?.body).toMatchObject({ errorCode: 'TooManyRequests', isRetriable: true });
  });

  test('forbidConnections: 403 InsufficientPrivileges on connections while the topology still reads', async () => {
    const s = await standIn();
    s.script({ forbidConnections: true });
    const id = await nodeId(s, 'sources', STANDIN_NODES.source);
    const a = await call(s, `${esPath(s)}/sources/${id}/connection`);
    expect([a.status, a.body.errorCode]).toEqual([403, 'InsufficientPrivileges']);
    expect(JSON.stringify(a.body)).not.toContain('secret');
  });

  test('hang: the request is accepted and never answered, until the client gives up; stop() still closes', async () => {
    const s = await standIn({ script: { hang: true } });
    const res = fetch(`${s.url}/workspaces`, { headers: { Authorization: `Bearer ${s.token}` }, signal: AbortSignal.timeout(300) });
    await expect(res).rejects.toThrow(/timeout|aborted/i);
    expect(s.requests).toEqual([{ method: 'GET', path: '/v1/workspaces', status: 0, authorization: 'ok' }]);
    await s.stop();
  });
});

describe('settings from a local broker', () => {
  test('each topic gets a primary and a secondary key of its own, and the stand-in lists both', () => {
    const keys = brokerKeys(
      issueKeys([
        { name: 'telemetry', partitions: 3 },
        { name: 'orders', partitions: 3 },
      ]),
    );
    expect(keys.secondaryByTopic.telemetry).toMatch(/SharedAccessKeyName=key2_telemetry;.*EntityPath=telemetry$/);
    expect(keys.secondaryByTopic.telemetry).not.toBe(keys.byTopic.telemetry);
    const env = { FABRIC_TOPIC_TELEMETRY: 'telemetry', FABRIC_TOPIC_ORDERS: 'orders', FABRIC_CONSUMER_TOPIC: 'telemetry' };
    const endpoints = standInEndpoints({ env, keys });
    expect(endpoints.telemetry).toEqual({
      topic: 'telemetry',
      primaryConnectionString: keys.byTopic.telemetry,
      secondaryConnectionString: keys.secondaryByTopic.telemetry,
    });
    expect(endpoints.orders?.topic).toBe('orders');
  });

  test('one topic for both checks: one custom endpoint source, and no FABRIC_SOURCE_NAME needed', async () => {
    const keys = brokerKeys(issueKeys([{ name: 'events', partitions: 3 }]));
    const endpoints = standInEndpoints({ env: { FABRIC_TOPIC_TELEMETRY: 'events', FABRIC_TOPIC_ORDERS: 'events' }, keys });
    expect(endpoints.orders).toBeUndefined();
    const s = await standIn(endpoints);
    expect(Object.keys(standInEnv(s))).toEqual(['FABRIC_WORKSPACE_ID', 'FABRIC_EVENTSTREAM_ID', 'FABRIC_API_URL', 'FABRIC_API_TOKEN']);
  });

  test('a telemetry topic without a key of its own is refused by name', () => {
    const keys = brokerKeys(issueKeys([{ name: 'events', partitions: 3 }]));
    expect(() => standInEndpoints({ env: { FABRIC_TOPIC_TELEMETRY: 'other' }, keys })).toThrow(/no key of its own for the telemetry topic "other"/);
  });
});
