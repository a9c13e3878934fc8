// The tolerant parsers of Fabric's answers and the topology view: nulls, unknown types and statuses accepted, an
// unusable shape named, keys registered for redaction, inputs resolved to ids, Filters that drop test events found.
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { redact } from '../../../support/core/redact.js';
import { MARKER_FIELD } from '../../../support/record/marker.js';
import {
  FabricShapeError,
  filterDropsTestEvents,
  parseConnection,
  parseItemPage,
  parseNode,
  parseTopology,
  topologyView,
} from '../../../support/fabric/topology.js';

const filter = (conditions: unknown) => ({ type: 'Filter', properties: { conditions } });
const on = (columnName: string, operatorType: string, columnPathSegments?: string[]) => ({
  column: { node: 'stream', columnName, columnPathSegments },
  operatorType,
});

describe('parseTopology', () => {
  test('accepts nulls, unknown node types, unknown statuses and a compatibilityLevel beyond the enum', () => {
    const t = parseTopology({
      compatibilityLevel: '9.9',
      sources: [{ id: 's1', name: 'In', type: 'QuantumBus', status: 'Hibernating', error: null, properties: null, inputNodes: null }],
      destinations: [{ id: 'd1', name: 'Out', type: 'Lakehouse', status: null, inputNodes: [{ name: 'In' }] }],
      streams: null,
    });
    expect(t.compatibilityLevel).toBe('9.9');
    expect(t.sources[0]).toEqual({ id: 's1', name: 'In', type: 'QuantumBus', status: 'Hibernating', properties: {}, inputNodes: [] });
    expect(t.destinations[0]?.status).toBeUndefined();
    expect(t.streams).toEqual([]);
    expect(t.operators).toEqual([]);
  });

  test("keeps Fabric's error: code, message and the string details", () => {
    const n = parseNode({
      id: 'd',
      name: 'Eventhouse',
      type: 'Eventhouse',
      status: 'Failed',
      error: { errorCode: 'MappingNotFound', errorMessage: 'no mapping', errorDetails: ['table T'] },
    });
    expect(n.error).toEqual({ errorCode: 'MappingNotFound', errorMessage: 'no mapping', errorDetails: ['table T'] });
  });

  test.each([
    [[], 'topology: expected a JSON object, got an array of 0'],
    [null, 'topology: expected a JSON object, got null'],
    [{ sources: 'all of them' }, 'topology.sources: expected an array, got string'],
    [{ operators: [{ type: 'Filter' }] }, 'topology.operators[0]: a node without a name or an id'],
  ])('names what makes %j unusable', (json, message) => {
    expect(() => parseTopology(json)).toThrow(FabricShapeError);
    expect(() => parseTopology(json)).toThrow(message);
  });
});

describe('topologyView', () => {
  const view = topologyView(
    parseTopology({
      sources: [{ id: 'src-1', name: 'Kafka', type: 'CustomEndpoint', status: 'Running', properties: {} }],
      streams: [{ id: 'str-1', name: 'es-stream', type: 'DefaultStream', inputNodes: [{ name: 'Kafka' }] }],
      operators: [{ name: 'DropTests', type: 'Filter', inputNodes: [{ name: 'es-stream' }], properties: { conditions: [on(MARKER_FIELD, 'IsNull')] } }],
      destinations: [
        { id: 'dst-1', name: 'Eventhouse', type: 'Eventhouse', status: 'Failed', inputNodes: [{ name: 'DropTests' }], error: { errorMessage: 'boom' } },
        { id: 'dst-2', name: 'Lake', type: 'Lakehouse', status: 'Running', inputNodes: [{ name: 'es-stream' }, { name: 'Ghost' }] },
      ],
    }),
  );
  const byName = (name: string) => view.nodes.find((n) => n.name === name);

  test('lists every node with its kind, in graph order: sources, streams, operators, destinations', () => {
    expect(view.nodes.map((n) => [n.kind, n.name])).toEqual([
      ['source', 'Kafka'],
      ['stream', 'es-stream'],
      ['operator', 'DropTests'],
      ['destination', 'Eventhouse'],
      ['destination', 'Lake'],
    ]);
  });

  test('resolves inputNodes names to ids; an operator is known by its name; an unknown name stays as given', () => {
    expect(byName('es-stream')?.inputs).toEqual(['src-1']);
    expect(byName('DropTests')?.id).toBe('DropTests');
    expect(byName('Eventhouse')?.inputs).toEqual(['DropTests']);
    expect(byName('Lake')?.inputs).toEqual(['str-1', 'Ghost']);
  });

  test('carries status and error, and marks a Filter that drops test events', () => {
    expect(byName('Eventhouse')).toMatchObject({ status: 'Failed', error: { errorMessage: 'boom' } });
    expect(byName('DropTests')?.dropsTestEvents).toBe(true);
    expect(byName('es-stream')?.dropsTestEvents).toBeUndefined();
  });
});

describe('filterDropsTestEvents (a Filter passes matching events)', () => {
  test.each([
    ['readinessTest IsNull', filter([on(MARKER_FIELD, 'IsNull')]), true],
    ['readinessTest IsEmpty', filter([on(MARKER_FIELD, 'IsEmpty')]), true],
    ['readinessTest IsNull beside another condition', filter([on('temperature', 'GreaterThan'), on(MARKER_FIELD, 'IsNull')]), true],
    ['readinessTest IsNull with its own path segment', filter([on(MARKER_FIELD, 'IsNull', [MARKER_FIELD])]), true],
    ['readinessTest IsNotNull (keeps only test events)', filter([on(MARKER_FIELD, 'IsNotNull')]), false],
    ['readinessTest Equals', filter([on(MARKER_FIELD, 'Equals')]), false],
    ['another column IsNull', filter([on('deviceId', 'IsNull')]), false],
    ['a nested readinessTest', filter([on(MARKER_FIELD, 'IsNull', ['payload', MARKER_FIELD])]), false],
    ['no conditions', filter(null), false],
    ['a ManageFields operator', { type: 'ManageFields', properties: { conditions: [on(MARKER_FIELD, 'IsNull')] } }, false],
  ])('%s: %s', (_title, operator, drops) => {
    expect(filterDropsTestEvents(operator)).toBe(drops);
  });
});

describe('parseConnection', () => {
  const secret = () => `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=${randomBytes(12).toString('hex')}`;

  test('reads namespace, event hub, both keys and the consumer group; registers every key for redaction', () => {
    const keys = {
      primaryKey: randomBytes(8).toString('hex'),
      secondaryKey: randomBytes(8).toString('hex'),
      primaryConnectionString: secret(),
      secondaryConnectionString: secret(),
    };
    const c = parseConnection({ fullyQualifiedNamespace: 'ns.servicebus.windows.net', eventHubName: 'es_1', consumerGroupName: '$Default', accessKeys: keys });
    expect(c).toMatchObject({ fullyQualifiedNamespace: 'ns.servicebus.windows.net', eventHubName: 'es_1', consumerGroupName: '$Default', accessKeys: keys });
    for (const value of Object.values(keys)) expect(redact(`got ${value}`)).toBe('got ***');
  });

  test('a connection without keys is unusable, and the message names what is missing without any key', () => {
    const primaryKey = randomBytes(8).toString('hex');
    const read = () => parseConnection({ fullyQualifiedNamespace: 'ns', eventHubName: null, accessKeys: { primaryKey } });
    expect(read).toThrow('connection: eventHubName, accessKeys.primaryConnectionString missing (keys present: primaryKey)');
    expect(redact(primaryKey)).toBe('***');
  });
});

describe('parseItemPage', () => {
  test('reads items and both continuation fields; nulls are absent', () => {
    const page = parseItemPage({
      value: [{ id: 'a', displayName: 'A', description: null }],
      continuationUri: 'https://x/v1/workspaces?continuationToken=t',
      continuationToken: 't',
    });
    expect(page).toEqual({ value: [{ id: 'a', displayName: 'A' }], continuationUri: 'https://x/v1/workspaces?continuationToken=t', continuationToken: 't' });
  });

  test('an item without an id is unusable', () => {
    expect(() => parseItemPage({ value: [{ displayName: 'A' }] }, 'workspaces')).toThrow('workspaces.value[0]: no id');
  });
});
