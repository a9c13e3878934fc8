// The Fabric REST API client against a real local HTTP server: paging, 429 with Retry-After, error mapping with
// Fabric's requestId, a server that never answers (bounded), and a token that never reaches a message.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { FABRIC_API_RESOURCE, ROLE_NEEDED, SERVICE_PRINCIPAL_TENANT_SETTING } from '../../../support/facts/fabric-api.js';
import { FabricApiError, FabricClient, type FabricClientOptions } from '../../../support/fabric/client.js';

type Handler = (req: IncomingMessage, res: ServerResponse, seen: number) => void;

interface Stub {
  readonly apiUrl: string;
  readonly origin: string;
  /** Method and URL of every request the server received, and its Authorization header. */
  readonly received: Array<{ method: string; url: string; authorization?: string }>;
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A loopback server on a free port answering with `handler`; closed after each test. */
async function stub(handler: Handler): Promise<Stub> {
  const received: Stub['received'] = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res, received.length);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { apiUrl: `${origin}/v1`, origin, received };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const fabricError = (errorCode: string, message: string, requestId = randomUUID()) => ({ errorCode, message, requestId });

const TOKEN = `eyJ0eXAiOiJKV1Qi.${randomBytes(24).toString('base64url')}.sig`;

function client(apiUrl: string, options: Partial<FabricClientOptions> = {}): FabricClient {
  return new FabricClient({ apiUrl, getToken: async () => TOKEN, requestTimeoutMs: 5000, deadlineAt: Date.now() + 20000, ...options });
}

/** The FabricApiError a call rejects with (fails the test when it resolves). */
async function failureOf(call: Promise<unknown>): Promise<FabricApiError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the call should have failed').toBeInstanceOf(FabricApiError);
  return error as FabricApiError;
}

function expectNoToken(error: FabricApiError): void {
  for (const text of [error.message, error.cause, error.hint, error.stack ?? '']) expect(text).not.toContain(TOKEN);
}

const WS = '11111111-2222-3333-4444-555555555555';
const ES = '66666666-7777-8888-9999-000000000000';

describe('paging', () => {
  test('follows continuationUri until the last page, sending the token with each request', async () => {
    const api = await stub((_req, res, seen) => {
      if (seen === 1)
        return json(res, 200, {
          value: [{ id: 'w1', displayName: 'One' }],
          continuationToken: 'p2',
          continuationUri: `${api.apiUrl}/workspaces?continuationToken=p2`,
        });
      json(res, 200, { value: [{ id: 'w2', displayName: 'Two' }] });
    });
    const c = client(api.apiUrl);
    await expect(c.listWorkspaces()).resolves.toEqual([
      { id: 'w1', displayName: 'One' },
      { id: 'w2', displayName: 'Two' },
    ]);
    expect(api.received.map((r) => r.url)).toEqual(['/v1/workspaces', '/v1/workspaces?continuationToken=p2']);
    expect(api.received.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(c.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/workspaces', 200],
      ['GET', '/workspaces?continuationToken=p2', 200],
    ]);
  });

  test('never sends the token to a continuationUri on another origin: it pages by continuationToken instead', async () => {
    const api = await stub((_req, res, seen) => {
      if (seen === 1) return json(res, 200, { value: [{ id: 'e1' }], continuationToken: 't 2', continuationUri: 'https://elsewhere.example/v1/x' });
      json(res, 200, { value: [{ id: 'e2' }] });
    });
    await expect(client(api.apiUrl).listEventstreams(WS)).resolves.toHaveLength(2);
    expect(api.received.map((r) => r.url)).toEqual([`/v1/workspaces/${WS}/eventstreams`, `/v1/workspaces/${WS}/eventstreams?continuationToken=t+2`]);
  });

  test('a list that pages on beyond maxPages fails instead of looping', async () => {
    const api = await stub((_req, res, seen) => json(res, 200, { value: [{ id: `w${seen}` }], continuationToken: `p${seen + 1}` }));
    const error = await failureOf(client(api.apiUrl, { maxPages: 3 }).listWorkspaces());
    expect(error.failureClass).toBe('bad-response');
    expect(error.message).toContain('beyond 3 pages');
    expect(api.received).toHaveLength(3);
  });
});

describe('429 Too Many Requests', () => {
  test("waits as Retry-After asks, then succeeds; the wait is recorded with Fabric's requestId", async () => {
    const requestId = randomUUID();
    const api = await stub((_req, res, seen) => {
      if (seen === 1) return json(res, 429, fabricError('TooManyRequests', 'slow down', requestId), { 'retry-after': '1' });
      json(res, 200, { id: ES, displayName: 'orders', type: 'Eventstream' });
    });
    const c = client(api.apiUrl);
    await expect(c.getEventstream(WS, ES)).resolves.toMatchObject({ id: ES, displayName: 'orders' });
    expect(c.waits).toEqual([{ path: `/workspaces/${WS}/eventstreams/${ES}`, ms: 1000, requestId }]);
    expect(c.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  test('fails at once, as throttled, when the wait asked for does not fit before the deadline', async () => {
    const api = await stub((_req, res) => json(res, 429, fabricError('TooManyRequests', 'slow down'), { 'retry-after': '60' }));
    const c = client(api.apiUrl, { deadlineAt: Date.now() + 5000 });
    const start = performance.now();
    const error = await failureOf(c.getTopology(WS, ES));
    expect(performance.now() - start).toBeLessThan(2000);
    expect(error).toMatchObject({ failureClass: 'throttled', status: 429 });
    expect(error.message).toMatch(/asked to wait 60000 ms, beyond the control plane's deadline/);
    expect(c.waits).toEqual([]);
  });
});

describe('errors mapped to their causes', () => {
  test("401 InvalidToken names the token's audience and expiry, quotes the requestId, never the token", async () => {
    const requestId = randomUUID();
    // A server that echoes what it got: the client must still keep the token out of every message.
    const api = await stub((req, res) => json(res, 401, fabricError('InvalidToken', `Access token is invalid: ${req.headers.authorization ?? ''}`, requestId)));
    const error = await failureOf(client(api.apiUrl, { identityKind: 'user' }).getTopology(WS, ES));
    expect(error).toMatchObject({ failureClass: 'auth', status: 401, errorCode: 'InvalidToken', requestId });
    expect(error.message).toContain(`its audience must be ${FABRIC_API_RESOURCE}`);
    expect(error.message).toContain(`(requestId ${requestId})`);
    expect(error.hint).toContain(`az account get-access-token --resource ${FABRIC_API_RESOURCE}`);
    expectNoToken(error);
  });

  test('401 for a service principal names the tenant setting and the workspace role', async () => {
    const api = await stub((_req, res) => json(res, 401, fabricError('Unauthorized', 'nope')));
    const error = await failureOf(client(api.apiUrl, { identityKind: 'service-principal' }).listWorkspaces());
    expect(error.failureClass).toBe('auth');
    expect(error.hint).toContain(SERVICE_PRINCIPAL_TENANT_SETTING);
    expect(error.hint).toContain(ROLE_NEEDED.topology);
  });

  test('403 on a connection says Contributor is needed and that FABRIC_KAFKA_* can be given instead', async () => {
    const requestId = randomUUID();
    const api = await stub((_req, res) => json(res, 403, fabricError('InsufficientPrivileges', 'The caller does not have sufficient permissions', requestId)));
    const error = await failureOf(client(api.apiUrl).getSourceConnection(WS, ES, 'src-1'));
    expect(error).toMatchObject({ failureClass: 'forbidden', status: 403, errorCode: 'InsufficientPrivileges', requestId });
    expect(error.hint).toContain(`fetching connections needs ${ROLE_NEEDED.connection}`);
    expect(error.hint).toContain('FABRIC_KAFKA_BOOTSTRAP and FABRIC_KAFKA_PASSWORD');
    expect(error.message).toContain(
      `the connection of source src-1 of eventstream ${ES}: Fabric refused it (403 InsufficientPrivileges): fetching connections needs ${ROLE_NEEDED.connection}`,
    );
    expect(error.message).toContain(requestId);
  });

  test('ItemNotFound names the eventstream and the workspace it was looked for in', async () => {
    const requestId = randomUUID();
    const api = await stub((_req, res) => json(res, 404, fabricError('ItemNotFound', 'The requested item was not found', requestId)));
    const error = await failureOf(client(api.apiUrl).getEventstream(WS, ES));
    expect(error).toMatchObject({ failureClass: 'not-found', errorCode: 'ItemNotFound' });
    expect(error.message).toBe(
      `eventstream ${ES} in workspace ${WS}: Fabric has no eventstream ${ES} in workspace ${WS}, or this identity cannot see it (404 ItemNotFound). Fabric says: The requested item was not found (requestId ${requestId})`,
    );
  });

  test('a 5xx without a JSON body quotes the requestId from the x-ms-request-id header', async () => {
    const requestId = randomUUID();
    const api = await stub((_req, res) => {
      res.writeHead(503, { 'x-ms-request-id': requestId });
      res.end('Service Unavailable');
    });
    const error = await failureOf(client(api.apiUrl).getWorkspace(WS));
    expect(error).toMatchObject({ failureClass: 'server', status: 503, requestId });
    expect(error.message).toContain(`(requestId ${requestId})`);
  });

  test('a 200 that is not JSON is a bad response, not a crash', async () => {
    const api = await stub((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const error = await failureOf(client(api.apiUrl).getTopology(WS, ES));
    expect(error.failureClass).toBe('bad-response');
    expect(error.message).toContain('not JSON');
  });

  test('a token source that fails is an auth failure naming the cause', async () => {
    const api = await stub((_req, res) => json(res, 200, {}));
    const error = await failureOf(client(api.apiUrl, { getToken: () => Promise.reject(new Error('AADSTS700016: application not found')) }).listWorkspaces());
    expect(error.failureClass).toBe('auth');
    expect(error.message).toContain('AADSTS700016');
    expect(api.received).toHaveLength(0);
  });
});

describe('bounded waits', () => {
  test('a server that accepts the connection and never answers fails as a timeout within requestTimeoutMs', async () => {
    const api = await stub(() => undefined);
    const c = client(api.apiUrl, { requestTimeoutMs: 400 });
    const start = performance.now();
    const error = await failureOf(c.getTopology(WS, ES));
    const took = performance.now() - start;
    expect(api.received).toHaveLength(1);
    expect(error.failureClass).toBe('timeout');
    expect(error.message).toContain('the Fabric REST API did not answer within 400 ms');
    expect(took).toBeGreaterThanOrEqual(350);
    expect(took).toBeLessThan(400 + 1500);
    expect(c.requests).toHaveLength(1);
    expect(c.requests[0]).toMatchObject({ method: 'GET', path: `/workspaces/${WS}/eventstreams/${ES}/topology` });
    expect(c.requests[0]?.status, 'no answer, no status').toBeUndefined();
  });

  test('the overall deadline cuts a request short and says so', async () => {
    const api = await stub(() => undefined);
    const error = await failureOf(client(api.apiUrl, { requestTimeoutMs: 10000, deadlineAt: Date.now() + 300 }).getTopology(WS, ES));
    expect(error.failureClass).toBe('timeout');
    expect(error.message).toMatch(/did not answer within \d+ ms \(the control plane's deadline left/);
  });

  test('a credential that never hands over a token is a timeout that says so, and no request is sent', async () => {
    const api = await stub((_req, res) => json(res, 200, { value: [] }));
    const c = client(api.apiUrl, { requestTimeoutMs: 300, getToken: () => new Promise<string>(() => undefined) });
    const start = performance.now();
    const error = await failureOf(c.listWorkspaces());
    expect(performance.now() - start).toBeLessThan(300 + 1500);
    expect(error.failureClass).toBe('timeout');
    expect(error.message).toContain('no token for the Fabric REST API within 300 ms');
    expect(api.received).toEqual([]);
    expect(c.requests).toEqual([]);
  });

  test('a refused connection is unreachable, naming the origin and the reason', async () => {
    const api = await stub(() => undefined);
    const closed = servers.pop() as Server;
    closed.closeAllConnections();
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failureOf(client(api.apiUrl).getWorkspace(WS));
    expect(error.failureClass).toBe('unreachable');
    expect(error.message).toContain(`cannot reach ${api.origin}: ECONNREFUSED`);
  });
});

test('the client only reads: every method is a get or a list, and every request it makes is a GET', async () => {
  const api = await stub((req, res) => {
    if (req.url?.endsWith('/connection'))
      return json(res, 200, {
        fullyQualifiedNamespace: 'ns',
        eventHubName: 'eh',
        accessKeys: { primaryConnectionString: 'Endpoint=sb://ns/;SharedAccessKey=abcd1234' },
      });
    if (req.url?.endsWith('/topology')) return json(res, 200, { sources: [] });
    if (req.url?.includes('/sources/') || req.url?.includes('/destinations/'))
      return json(res, 200, { id: 'n', name: 'n', type: 'CustomEndpoint', status: 'Running' });
    if (req.url?.endsWith('/eventstreams') || req.url?.endsWith('/workspaces')) return json(res, 200, { value: [] });
    json(res, 200, { id: 'x' });
  });
  const c = client(api.apiUrl);
  await c.listWorkspaces();
  await c.listEventstreams(WS);
  await c.getWorkspace(WS);
  await c.getEventstream(WS, ES);
  await c.getTopology(WS, ES);
  await c.getSource(WS, ES, 's');
  await c.getDestination(WS, ES, 'd');
  await c.getSourceConnection(WS, ES, 's');
  await c.getDestinationConnection(WS, ES, 'd');
  expect(api.received).toHaveLength(9);
  // Its helpers are #private, so the prototype lists exactly what a caller can do.
  const methods = Object.getOwnPropertyNames(FabricClient.prototype).filter((m) => m !== 'constructor');
  expect(
    methods.filter((m) => !/^(get|list)[A-Z]/.test(m)),
    'public methods that are not reads',
  ).toEqual([]);
  expect(new Set(api.received.map((r) => r.method))).toEqual(new Set(['GET']));
  expect(c.requests.map((r) => r.path)).toEqual([
    '/workspaces',
    `/workspaces/${WS}/eventstreams`,
    `/workspaces/${WS}`,
    `/workspaces/${WS}/eventstreams/${ES}`,
    `/workspaces/${WS}/eventstreams/${ES}/topology`,
    `/workspaces/${WS}/eventstreams/${ES}/sources/s`,
    `/workspaces/${WS}/eventstreams/${ES}/destinations/d`,
    `/workspaces/${WS}/eventstreams/${ES}/sources/s/connection`,
    `/workspaces/${WS}/eventstreams/${ES}/destinations/d/connection`,
  ]);
});
