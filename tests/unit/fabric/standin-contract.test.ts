// Contract: every answer the Fabric stand-in gives, successes and errors, validates against Microsoft's own schema.
import { afterAll, beforeAll, describe, expect, test, type TestContext } from 'vitest';
import { STANDIN_NODES, startFabricStandIn, type FabricStandIn } from '../../../support/broker/fabric-standin.js';
import { loadFabricSpec, requireSpec, specAvailability, validateResponse, type FabricSpec } from '../../../support/dev/fabric-spec.js';

/** Bound on each request: a stand-in that stops answering fails in seconds. */
const REQUEST_TIMEOUT_MS = 3000;
const UNKNOWN_ID = '00000000-0000-0000-0000-000000000000';
const key = (name: string, topic: string) => `Endpoint=sb://localhost/;SharedAccessKeyName=${name};SharedAccessKey=${name}-secret;EntityPath=${topic}`;
const endpoint = (topic: string) => ({ topic, primaryConnectionString: key(`key_${topic}`, topic), secondaryConnectionString: key(`key2_${topic}`, topic) });

interface Exchange {
  readonly method: string;
  /** The request path, /v1/... with its query. */
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
  readonly requestIdHeader: string | null;
}

const availability = specAvailability();
let spec: FabricSpec | undefined;
let standIn: FabricStandIn | undefined;

beforeAll(async () => {
  if (!availability.available) return;
  spec = await loadFabricSpec(availability.dir);
  standIn = await startFabricStandIn({ namespace: 'localhost', telemetry: endpoint('telemetry'), orders: endpoint('orders') });
}, 20000);
afterAll(async () => {
  await standIn?.stop();
});

function ready(ctx: TestContext): { spec: FabricSpec; s: FabricStandIn } {
  requireSpec(availability, (note) => ctx.skip(note));
  if (!spec || !standIn) throw new Error('the specification loaded but the stand-in did not start');
  return { spec, s: standIn };
}

async function exchange(s: FabricStandIn, path: string, init: { method?: string; token?: string | null } = {}): Promise<Exchange> {
  const url = path.startsWith('http') ? path : `${s.url}${path}`;
  const token = init.token === undefined ? s.token : init.token;
  const method = init.method ?? 'GET';
  const res = await fetch(url, {
    method,
    headers: token === null ? {} : { Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const u = new URL(url);
  return { method, path: `${u.pathname}${u.search}`, status: res.status, body: await res.json(), requestIdHeader: res.headers.get('requestId') };
}

/** What is wrong with one exchange by Microsoft's schema and Fabric's habits (empty: nothing). */
function problems(s: FabricSpec, e: Exchange): string[] {
  const where = `${e.method} ${e.path} ${e.status}`;
  const found = validateResponse(s, { method: e.method, path: e.path, status: e.status }, e.body, { tolerance: [] }).map((p) => `${where}: ${p}`);
  if (!e.requestIdHeader) found.push(`${where}: no requestId header`);
  const body = e.body as { requestId?: unknown };
  if (e.status >= 400 && body.requestId !== e.requestIdHeader)
    found.push(`${where}: body requestId ${String(body.requestId)} is not the header's ${String(e.requestIdHeader)}`);
  return found;
}

/** Every page of a list, following continuationUri. */
async function pages(s: FabricStandIn, path: string): Promise<Exchange[]> {
  const out: Exchange[] = [];
  let next: string | undefined = path;
  while (next && out.length < 10) {
    const e: Exchange = await exchange(s, next);
    out.push(e);
    next = (e.body as { continuationUri?: string }).continuationUri;
  }
  return out;
}

interface TopologyIds {
  readonly sources: ReadonlyArray<{ id: string; name: string; type: string; status: string }>;
  readonly destinations: ReadonlyArray<{ id: string; name: string; type: string; status: string }>;
}

/** Every node, and every custom endpoint's connection. */
async function nodeExchanges(s: FabricStandIn, es: string, t: TopologyIds): Promise<Exchange[]> {
  const out: Exchange[] = [];
  for (const kind of ['sources', 'destinations'] as const) {
    for (const n of t[kind]) {
      out.push(await exchange(s, `${es}/${kind}/${n.id}`));
      if (n.type === 'CustomEndpoint') out.push(await exchange(s, `${es}/${kind}/${n.id}/connection`));
    }
  }
  return out;
}

async function successes(s: FabricStandIn): Promise<Exchange[]> {
  const ws = `/workspaces/${s.workspaceId}`;
  const es = `${ws}/eventstreams/${s.eventstreamId}`;
  const topology = await exchange(s, `${es}/topology`);
  const all = [...(await pages(s, '/workspaces')), await exchange(s, ws), ...(await pages(s, `${ws}/eventstreams`)), await exchange(s, es), topology];
  return [...all, ...(await nodeExchanges(s, es, topology.body as TopologyIds))];
}

/** The topology in every state a test can set, a node error included. */
async function stateExchanges(s: FabricStandIn): Promise<Exchange[]> {
  const es = `/workspaces/${s.workspaceId}/eventstreams/${s.eventstreamId}`;
  s.setNode(STANDIN_NODES.eventhouse, {
    status: 'Failed',
    error: { errorCode: 'MappingNotFound', errorMessage: 'The mapping was deleted.', errorDetails: ['table telemetry'] },
  });
  s.setNode(STANDIN_NODES.source, { status: 'Paused' });
  s.setNode(STANDIN_NODES.connector, { status: 'Warning', error: { errorMessage: 'Slow source.' } });
  s.setNode(STANDIN_NODES.lakehouse, { status: 'Creating', runningFromTopologyRead: 2 });
  const topology = await exchange(s, `${es}/topology`);
  const out = [topology, ...(await nodeExchanges(s, es, topology.body as TopologyIds))];
  for (const name of [STANDIN_NODES.eventhouse, STANDIN_NODES.source, STANDIN_NODES.connector, STANDIN_NODES.lakehouse]) s.setNode(name, { status: 'Running' });
  return out;
}

async function errors(s: FabricStandIn): Promise<Exchange[]> {
  const ws = `/workspaces/${s.workspaceId}`;
  const es = `${ws}/eventstreams/${s.eventstreamId}`;
  const source = ((await exchange(s, `${es}/topology`)).body as TopologyIds).sources.find((n) => n.name === STANDIN_NODES.source);
  const out = [
    await exchange(s, `/workspaces/${UNKNOWN_ID}`),
    await exchange(s, `${ws}/eventstreams/${UNKNOWN_ID}`),
    await exchange(s, `${es}/sources/${UNKNOWN_ID}`),
    await exchange(s, `${es}/destinations/${UNKNOWN_ID}/connection`),
    await exchange(s, '/workspaces?continuationToken=not-a-token'),
    await exchange(s, `${es}/topology`, { token: null }),
    await exchange(s, `${es}/topology`, { token: 'refused' }),
    await exchange(s, `${es}/pause`, { method: 'POST' }),
    await exchange(s, `${es}/sources/${source?.id ?? UNKNOWN_ID}/resume`, { method: 'POST' }),
  ];
  s.script({ throttle: 1 });
  out.push(await exchange(s, `${es}/topology`));
  s.script({ forbidConnections: true });
  out.push(await exchange(s, `${es}/sources/${source?.id ?? UNKNOWN_ID}/connection`));
  s.script({ forbidConnections: false });
  return out;
}

describe("the Fabric stand-in speaks Microsoft's schema", () => {
  test('every success (lists with their pages, workspace, eventstream, topology, each node and connection) validates strictly', async (ctx) => {
    const { spec: s, s: standIn } = ready(ctx);
    const all = await successes(standIn);
    expect(all.map((e) => e.status).every((status) => status === 200)).toBe(true);
    expect(all.flatMap((e) => problems(s, e))).toEqual([]);
    // Both lists took two pages, every node and both custom endpoint sources' and the destination's connections were read.
    expect(all.filter((e) => e.path.includes('continuationToken='))).toHaveLength(2);
    expect(all.filter((e) => e.path.endsWith('/connection'))).toHaveLength(3);
  });

  test('the topology in every scripted state (Failed with an error, Paused, Warning, Creating) validates strictly', async (ctx) => {
    const { spec: s, s: standIn } = ready(ctx);
    const all = await stateExchanges(standIn);
    const t = all[0]?.body as TopologyIds;
    expect([...t.sources, ...t.destinations].map((n) => n.status)).toEqual(['Paused', 'Running', 'Warning', 'Running', 'Failed', 'Creating']);
    expect(all.flatMap((e) => problems(s, e))).toEqual([]);
  });

  test("every error (404, 400, 401, 405, 429, 403) is Fabric's ErrorResponse with the requestId of its header", async (ctx) => {
    const { spec: s, s: standIn } = ready(ctx);
    const all = await errors(standIn);
    expect(all.map((e) => e.status)).toEqual([404, 404, 404, 404, 400, 401, 401, 405, 405, 429, 403]);
    expect(all.flatMap((e) => problems(s, e))).toEqual([]);
  });

  test('the validator bites: a topology whose source lacks its type, or an error without errorCode, is rejected', (ctx) => {
    const { spec: s } = ready(ctx);
    const topology = { method: 'GET', path: '/v1/workspaces/w/eventstreams/e/topology', status: 200 };
    expect(validateResponse(s, topology, { sources: [{ name: 'x', status: 'Running' }] }, { tolerance: [] })).not.toEqual([]);
    expect(validateResponse(s, { ...topology, status: 404 }, { message: 'gone' }, { tolerance: [] })).not.toEqual([]);
  });
});
