// Contract with Microsoft's Fabric REST API specification: every example validates against Microsoft's schema with
// exactly the tolerance SOURCE.md lists (each rule proven needed), and the client reads every example it can meet.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, type TestContext } from 'vitest';
import { redact } from '../../../support/core/redact.js';
import { FabricClient } from '../../../support/fabric/client.js';
import { parseConnection, parseItem, parseItemPage, parseNode, parseTopology, topologyView } from '../../../support/fabric/topology.js';
import { judgedView, judgeKind, whereTestEventsGo } from '../../../support/fabric/verdicts.js';
import {
  ALL_TOLERANCE,
  findOperation,
  loadFabricSpec,
  requireSpec,
  specAvailability,
  validateResponse,
  type FabricSpec,
  type SpecExample,
  type ToleranceRule,
} from '../../../support/dev/fabric-spec.js';

const availability = specAvailability();
const examplesDir = join(availability.dir, 'eventstream', 'examples');
/** Listed at collection time, so each example is its own test; none when the spec is absent. */
const exampleFiles = availability.available ? readdirSync(examplesDir).filter((f) => f.endsWith('.json')) : [];
let spec: FabricSpec | undefined;

beforeAll(async () => {
  if (availability.available) spec = await loadFabricSpec(availability.dir);
}, 60000);

function ready(ctx: TestContext): FabricSpec {
  requireSpec(availability, (note) => ctx.skip(note));
  if (!spec) throw new Error(`the specification at ${availability.dir} did not load (see beforeAll)`);
  return spec;
}

/** Every (example, status) pair with a body. */
function responsesOf(examples: readonly SpecExample[]): Array<{ example: SpecExample; status: string; body: unknown }> {
  return examples.flatMap((example) =>
    Object.entries(example.responses)
      .filter(([, r]) => r.body !== undefined)
      .map(([status, r]) => ({ example, status, body: r.body })),
  );
}

/** The eventstream API's examples (the copy holds no platform examples; a full clone of Microsoft's repository does). */
function validateAll(s: FabricSpec, tolerance: readonly ToleranceRule[]): string[] {
  return responsesOf(s.examples.filter((e) => e.api === 'eventstream')).flatMap(({ example, status, body }) =>
    validateResponse(s, { method: example.method, path: example.path, status }, body, { tolerance }).map((e) => `${basename(example.file)} ${status}: ${e}`),
  );
}

/** Which listed gap a strict error is (SOURCE.md, "Known gaps"), or undefined for one nobody listed. */
const GAPS: ReadonlyArray<readonly [ToleranceRule, RegExp]> = [
  ['open-enum', /GetEventstreamTopology\.json 200: \/compatibilityLevel must be equal to one of the allowed values \["1\.0"\]$/],
  ['null-optional', /GetEventstream(Source|Destination)\.json 200: \/error must be object$/],
  [
    'null-optional',
    /GetEventstreamTopology\.json 200: \/operators\/\d+\/inputSchemas\/\d+\/schema\/columns\/\d+\/(fields must be array|items must be object)$/,
  ],
  ['filters-array', /GetEventstreamTopology\.json 200: \/sources\/\d+\/properties\/filters must be object$/],
  ['literal-arguments', /GetEventstreamTopology\.json 200: \/operators\/\d+\/properties\/columns\/\d+\/properties\/arguments\/\d+ must be object$/],
];

const gapOf = (error: string) => GAPS.find(([, re]) => re.test(error))?.[0];

describe('the specification', () => {
  test('is present: skipped with the reason in a clone without ../shared/fabric-api-spec, failed under CI=true', (ctx) => {
    const s = ready(ctx);
    expect(s.operations.length).toBeGreaterThan(100);
    expect(s.basePath).toBe('/v1');
  });

  test('when absent, the contract test skips with the reason, and under CI=true it fails instead', () => {
    const absent = specAvailability('/nonexistent/fabric-api-spec');
    expect(absent.available).toBe(false);
    expect(absent.reason).toContain('/nonexistent/fabric-api-spec');
    expect(absent.reason).toContain('FABRIC_API_SPEC_DIR');
    const skipped: string[] = [];
    requireSpec(absent, (note) => skipped.push(note), {});
    expect(skipped).toEqual([absent.reason]);
    expect(() => requireSpec(absent, () => undefined, { CI: 'true' })).toThrow('Under CI=true the contract test must run');
  });

  test('every example file is an example of one of its operations', (ctx) => {
    const s = ready(ctx);
    const listed = new Set(s.examples.filter((e) => e.api === 'eventstream').map((e) => basename(e.file)));
    expect(exampleFiles.filter((f) => !listed.has(f))).toEqual([]);
    expect(listed.size).toBe(exampleFiles.length);
  });

  test('what the copy lacks is other APIs only: no eventstream file, and nothing an operation the client calls reaches', (ctx) => {
    const s = ready(ctx);
    expect(s.missingFiles.filter((f) => f.startsWith('eventstream/'))).toEqual([]);
    const reads = [
      '/workspaces',
      '/workspaces/{workspaceId}',
      '/workspaces/{workspaceId}/eventstreams',
      '/workspaces/{workspaceId}/eventstreams/{eventstreamId}',
      '/workspaces/{workspaceId}/eventstreams/{eventstreamId}/topology',
      '/workspaces/{workspaceId}/eventstreams/{eventstreamId}/sources/{sourceId}',
      '/workspaces/{workspaceId}/eventstreams/{eventstreamId}/destinations/{destinationId}',
      '/workspaces/{workspaceId}/eventstreams/{eventstreamId}/sources/{sourceId}/connection',
      '/workspaces/{workspaceId}/eventstreams/{eventstreamId}/destinations/{destinationId}/connection',
    ];
    for (const path of reads) {
      const op = findOperation(s, 'get', path);
      expect(op, path).toBeDefined();
      expect(unresolvedRefs(op?.responses['200']), path).toEqual([]);
    }
  });
});

/** The $refs a schema reaches that the copy could not resolve (stubbed by the loader). */
function unresolvedRefs(schema: unknown, seen = new Set<unknown>()): string[] {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return [];
  seen.add(schema);
  const here = (schema as Record<string, unknown>)['x-unresolved-ref'];
  return [...(typeof here === 'string' ? [here] : []), ...Object.values(schema).flatMap((v) => unresolvedRefs(v, seen))];
}

describe("Microsoft's examples against Microsoft's schema", () => {
  test.for(exampleFiles)('%s: every response body validates, with the listed tolerance', (file, ctx) => {
    const s = ready(ctx);
    const examples = s.examples.filter((e) => basename(e.file) === file);
    expect(examples.length).toBeGreaterThan(0);
    const errors = responsesOf(examples).flatMap(({ example, status, body }) =>
      validateResponse(s, { method: example.method, path: example.path, status }, body).map((e) => `${status}: ${e}`),
    );
    expect(errors).toEqual([]);
  });

  test('a strict validation rejects exactly the gaps SOURCE.md lists (and the FunctionCall arguments), so the tolerance cannot grow unseen', (ctx) => {
    const s = ready(ctx);
    const strict = validateAll(s, []);
    expect(
      strict.filter((e) => !gapOf(e)),
      'strict errors that no listed gap explains',
    ).toEqual([]);
    const count = (rule: ToleranceRule) => strict.filter((e) => gapOf(e) === rule).length;
    // 1: "compatibilityLevel": "1.1"; 2: "error": null twice, and 14 "fields": null + 14 "items": null in the
    // topology's operator columns; 3: filters given as arrays by three source types; 4: literal function arguments.
    expect({
      'open-enum': count('open-enum'),
      'null-optional': count('null-optional'),
      'filters-array': count('filters-array'),
      'literal-arguments': count('literal-arguments'),
    }).toEqual({
      'open-enum': 1,
      'null-optional': 30,
      'filters-array': 3,
      'literal-arguments': 2,
    });
  });

  test.for(ALL_TOLERANCE)('without the rule %s, an example fails: every rule is needed', (rule, ctx) => {
    const s = ready(ctx);
    const errors = validateAll(
      s,
      ALL_TOLERANCE.filter((r) => r !== rule),
    );
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => gapOf(e) === rule)).toBe(true);
  });

  test('the tolerance still rejects what a client could not use', (ctx) => {
    const s = ready(ctx);
    const topology = { method: 'get', path: '/workspaces/{workspaceId}/eventstreams/{eventstreamId}/topology', status: 200 };
    expect(validateResponse(s, topology, { sources: [{ id: 'not-a-uuid', type: 'CustomEndpoint', status: 7, properties: {} }] })).toEqual(
      expect.arrayContaining(["/sources/0 must have required property 'name'", '/sources/0/status must be string', '/sources/0/id must match format "uuid"']),
    );
    expect(validateResponse(s, topology, { sources: 'none' })).toEqual(['/sources must be array']);
    const connection = { method: 'GET', path: '/v1/workspaces/a/eventstreams/b/sources/c/connection', status: 200 };
    expect(validateResponse(s, connection, { fullyQualifiedNamespace: 'ns', accessKeys: {} })).toEqual(
      expect.arrayContaining(["(body) must have required property 'eventHubName'", "/accessKeys must have required property 'primaryConnectionString'"]),
    );
    expect(validateResponse(s, { ...topology, status: 429 }, { message: 'slow down' })).toEqual(["(body) must have required property 'errorCode'"]);
  });
});

describe("the client's parsers over Microsoft's examples", () => {
  const bodyOf = (s: FabricSpec, operationId: string): unknown => s.examples.find((e) => e.operationId === operationId)?.responses['200']?.body;

  test('the topology example, with all 33 source types, parses and is judged without a crash', (ctx) => {
    const s = ready(ctx);
    const t = parseTopology(bodyOf(s, 'Topology_GetEventstreamTopology'));
    expect([t.sources.length, t.streams.length, t.operators.length, t.destinations.length]).toEqual([33, 2, 8, 5]);
    expect(t.compatibilityLevel).toBe('1.1');
    const sourceTypes = JSON.parse(readFileSync(join(availability.dir, 'eventstream', 'definitions', 'source.json'), 'utf8')).definitions.SourceType
      .enum as string[];
    expect(sourceTypes).toHaveLength(33);
    expect(new Set(t.sources.map((n) => n.type))).toEqual(new Set(sourceTypes));

    const view = judgedView(topologyView(t), { warning: 'warn' });
    expect(view.nodes).toHaveLength(48);
    expect(judgeKind(view, 'source').failed).toEqual([]);
    expect(judgeKind(view, 'destination').notes.map((n) => n.name)).toEqual(['EventhouseDirectIngestionModeDestination']);
    const filter = view.nodes.find((n) => n.type === 'Filter');
    // Microsoft's Filter keeps events where columnName Equals "stringValue": it does not drop readinessTest events.
    expect(filter?.dropsTestEvents).toBe(false);
    // Microsoft's example names inputs that are not in it (EventStreamName-stream, MyNode): kept as names.
    const ids = new Set(view.nodes.map((n) => n.id));
    expect(view.nodes.flatMap((n) => n.inputs.filter((i) => !ids.has(i))).sort()).toEqual([
      'EventStreamName-stream',
      'EventStreamName-stream',
      'EventStreamName-stream',
      'MyNode',
      'MyNode',
    ]);
    const customEndpoints = view.nodes.filter((n) => n.kind === 'source' && n.type === 'CustomEndpoint');
    expect(customEndpoints).toHaveLength(1);
    expect(() => whereTestEventsGo(view, customEndpoints[0]?.id ?? '')).not.toThrow();
  });

  test('a source and a destination with "error": null parse without an error', (ctx) => {
    const s = ready(ctx);
    const source = parseNode(bodyOf(s, 'Topology_GetEventstreamSource'));
    const destination = parseNode(bodyOf(s, 'Topology_GetEventstreamDestination'));
    expect(source).toMatchObject({ name: 'AzureEventHubSource', type: 'AzureEventHub', status: 'Running' });
    expect(destination).toMatchObject({ name: 'LakehouseDestination', type: 'Lakehouse', status: 'Running', inputNodes: [{ name: 'InputNodeName' }] });
    expect(source.error).toBeUndefined();
    expect(destination.error).toBeUndefined();
  });

  test('both connection examples parse, and their keys are registered for redaction', (ctx) => {
    const s = ready(ctx);
    const source = parseConnection(bodyOf(s, 'Topology_GetEventstreamSourceConnection'));
    const destination = parseConnection(bodyOf(s, 'Topology_GetEventstreamDestinationConnection'));
    expect(source).toMatchObject({ fullyQualifiedNamespace: 'namespace.servicebus.windows.net', eventHubName: 'eventhub' });
    expect(destination.consumerGroupName).toBe('$Default');
    expect(redact('primary connectionString1, secondary connectionString2')).toBe('primary ***, secondary ***');
  });

  test('the eventstream list and an eventstream parse', (ctx) => {
    const s = ready(ctx);
    expect(parseItemPage(bodyOf(s, 'Items_ListEventstreams')).value.map((i) => i.displayName)).toEqual(['Eventstream_1', 'Eventstream_2', 'Eventstream_3']);
    expect(parseItem(bodyOf(s, 'Items_GetEventstream'))).toMatchObject({ id: '5b218778-e7a5-4d73-8187-f10824047715', type: 'Eventstream' });
  });
});

describe("Microsoft's workspace examples (a full clone of microsoft/fabric-rest-api-specs holds them; the copy does not)", () => {
  test('validate strictly and parse, when present', (ctx) => {
    const s = ready(ctx);
    const examples = s.examples.filter((e) => e.operationId === 'Workspaces_ListWorkspaces' || e.operationId === 'Workspaces_GetWorkspace');
    if (examples.length === 0) ctx.skip(`no platform examples in ${s.dir} (${s.missingExamples.length} listed, none copied)`);
    for (const { example, status, body } of responsesOf(examples)) {
      expect(validateResponse(s, { method: example.method, path: example.path, status }, body, { tolerance: [] }), example.title).toEqual([]);
      const items = example.operationId === 'Workspaces_ListWorkspaces' ? parseItemPage(body).value : [parseItem(body)];
      expect(items.length, example.title).toBeGreaterThan(0);
    }
  });
});

describe("the client over HTTP, answered with Microsoft's examples", () => {
  let server: Server | undefined;
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  test('reads every eventstream GET the suite uses from a server that answers with the example bodies', async (ctx) => {
    const s = ready(ctx);
    server = createServer((req, res) => {
      const op = findOperation(s, req.method ?? 'GET', req.url ?? '');
      const body = op ? s.examples.find((e) => e.operationId === op.operationId)?.responses['200']?.body : undefined;
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { errorCode: 'EntityNotFound', message: `no example for ${req.url ?? ''}` }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const c = new FabricClient({ apiUrl, getToken: async () => 'example-token', requestTimeoutMs: 5000, deadlineAt: Date.now() + 20000 });
    const [ws, es] = ['cfafbeb1-8037-4d0c-896e-a46fb27ff229', '8c500070-073f-4a88-b478-8fabe1941c52'];
    expect(await c.listEventstreams(ws)).toHaveLength(3);
    expect((await c.getEventstream(ws, es)).displayName).toBe('Eventstream_1');
    expect(topologyView(await c.getTopology(ws, es)).nodes).toHaveLength(48);
    expect((await c.getSource(ws, es, 'e2886002-d696-4c05-969c-51361365cc24')).status).toBe('Running');
    expect((await c.getDestination(ws, es, '2e4c91e7-0c4a-4cc4-abe3-cc7ba4310a37')).type).toBe('Lakehouse');
    expect((await c.getSourceConnection(ws, es, 'f344e2e0-e846-4991-ac26-d27dfb6a73c2')).eventHubName).toBe('eventhub');
    expect((await c.getDestinationConnection(ws, es, '2e4c91e7-0c4a-4cc4-abe3-cc7ba4310a37')).consumerGroupName).toBe('$Default');
    expect(c.requests.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
  });
});
