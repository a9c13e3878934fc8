// Fabric's answers about items and an eventstream's graph, as typed values: tolerant parsers (Microsoft's own
// examples carry nulls and values beyond the enums) and the view of the graph the checks and the report read.
import { FILTER_OPERATOR_TYPE } from '../facts/fabric-api.js';
import { registerSecret } from '../core/redact.js';
import type { NodeError, NodeKind, TopologyNode, TopologyView } from '../record/control-plane.js';
import { MARKER_FIELD } from '../record/marker.js';

/** A node names its inputs by their unique name (NodeReference in Microsoft's schema). */
export interface NodeReference {
  readonly name: string;
}

/** Fabric's error on a source or destination (ErrorInfo: errorDetails are strings in the schema). */
export interface ApiNodeError {
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly errorDetails?: readonly string[];
}

/** A source, destination, stream or operator as the topology gives it; `type` and `status` are open sets. */
export interface ApiNode {
  /** Sources, destinations and streams carry an id (uuid); operators have only their unique name. */
  readonly id?: string;
  readonly name: string;
  readonly type: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly inputNodes: readonly NodeReference[];
  /** Sources and destinations only. */
  readonly status?: string;
  readonly error?: ApiNodeError;
}

/** GET .../eventstreams/{id}/topology (EventstreamTopologyResponse). */
export interface Topology {
  readonly sources: readonly ApiNode[];
  readonly destinations: readonly ApiNode[];
  readonly streams: readonly ApiNode[];
  readonly operators: readonly ApiNode[];
  readonly compatibilityLevel?: string;
}

/** GET .../sources/{id}/connection and .../destinations/{id}/connection: a custom endpoint's Event Hubs coordinates. */
export interface CustomEndpointConnection {
  readonly fullyQualifiedNamespace: string;
  readonly eventHubName: string;
  /** Secrets: registered for redaction the moment they are parsed. */
  readonly accessKeys: {
    readonly primaryKey?: string;
    readonly secondaryKey?: string;
    readonly primaryConnectionString: string;
    readonly secondaryConnectionString?: string;
  };
  /** Destinations only: the Event Hubs consumer group the endpoint's readers use. */
  readonly consumerGroupName?: string;
}

/** An item (an eventstream) or a workspace, as the list and get endpoints give them. */
export interface FabricItem {
  readonly id: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly type?: string;
  readonly workspaceId?: string;
}

/** One page of a list endpoint; the next page is at continuationUri (or this path with continuationToken). */
export interface ItemPage {
  readonly value: readonly FabricItem[];
  readonly continuationUri?: string;
  readonly continuationToken?: string;
}

/** Fabric's answer has a shape the suite cannot use: a clear message naming where. */
export class FabricShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FabricShapeError';
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** A string, or undefined for null, absent or another type (the examples carry nulls in optional fields). */
function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function objectAt(json: unknown, what: string): Json {
  if (!isObject(json)) throw new FabricShapeError(`${what}: expected a JSON object, got ${describeValue(json)}`);
  return json;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value;
}

/** An optional list: absent or null is empty; anything else but an array is unusable. */
function listAt(obj: Json, key: string, what: string): unknown[] {
  const value = obj[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FabricShapeError(`${what}.${key}: expected an array, got ${describeValue(value)}`);
  return value;
}

function parseError(value: unknown): ApiNodeError | undefined {
  if (!isObject(value)) return undefined;
  const details = Array.isArray(value.errorDetails)
    ? value.errorDetails
        .map((d) => (typeof d === 'string' ? d : isObject(d) ? [str(d.errorCode), str(d.errorMessage)].filter(Boolean).join(': ') : ''))
        .filter(Boolean)
    : undefined;
  const error: ApiNodeError = { errorCode: str(value.errorCode), errorMessage: str(value.errorMessage), ...(details?.length ? { errorDetails: details } : {}) };
  return error.errorCode || error.errorMessage || error.errorDetails ? error : undefined;
}

/** inputNodes: [{ name }] per the schema; a bare string is taken as a name too. */
function parseInputs(value: unknown): NodeReference[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((ref) => {
    const name = typeof ref === 'string' ? ref : isObject(ref) ? (str(ref.name) ?? str(ref.id)) : undefined;
    return name ? [{ name }] : [];
  });
}

/** One node of the topology (or GET .../sources/{id}, .../destinations/{id}); unusable only without a name and an id. */
export function parseNode(json: unknown, what = 'node'): ApiNode {
  const obj = objectAt(json, what);
  const id = str(obj.id);
  const name = str(obj.name) ?? id;
  if (!name) throw new FabricShapeError(`${what}: a node without a name or an id`);
  const error = parseError(obj.error);
  const status = str(obj.status);
  return {
    ...(id ? { id } : {}),
    name,
    type: str(obj.type) ?? '(no type)',
    properties: isObject(obj.properties) ? obj.properties : {},
    inputNodes: parseInputs(obj.inputNodes),
    ...(status ? { status } : {}),
    ...(error ? { error } : {}),
  };
}

/** GET .../topology: never throws on unknown types, statuses or nulls; throws FabricShapeError only when unusable. */
export function parseTopology(json: unknown): Topology {
  const obj = objectAt(json, 'topology');
  const nodes = (key: string) => listAt(obj, key, 'topology').map((n, i) => parseNode(n, `topology.${key}[${i}]`));
  const compatibilityLevel = str(obj.compatibilityLevel);
  return {
    sources: nodes('sources'),
    destinations: nodes('destinations'),
    streams: nodes('streams'),
    operators: nodes('operators'),
    ...(compatibilityLevel ? { compatibilityLevel } : {}),
  };
}

/** A custom endpoint's connection; every key and connection string is registered for redaction before anything else. */
export function parseConnection(json: unknown): CustomEndpointConnection {
  const obj = objectAt(json, 'connection');
  const keys = isObject(obj.accessKeys) ? obj.accessKeys : {};
  const primaryKey = str(keys.primaryKey);
  const secondaryKey = str(keys.secondaryKey);
  const primaryConnectionString = str(keys.primaryConnectionString);
  const secondaryConnectionString = str(keys.secondaryConnectionString);
  for (const secret of [primaryKey, secondaryKey, primaryConnectionString, secondaryConnectionString]) registerSecret(secret);
  const fullyQualifiedNamespace = str(obj.fullyQualifiedNamespace);
  const eventHubName = str(obj.eventHubName);
  const missing = [
    ...(fullyQualifiedNamespace ? [] : ['fullyQualifiedNamespace']),
    ...(eventHubName ? [] : ['eventHubName']),
    ...(primaryConnectionString ? [] : ['accessKeys.primaryConnectionString']),
  ];
  if (missing.length || !fullyQualifiedNamespace || !eventHubName || !primaryConnectionString) {
    throw new FabricShapeError(`connection: ${missing.join(', ')} missing (keys present: ${Object.keys(keys).join(', ') || 'none'})`);
  }
  const consumerGroupName = str(obj.consumerGroupName);
  return {
    fullyQualifiedNamespace,
    eventHubName,
    accessKeys: {
      primaryConnectionString,
      ...(primaryKey ? { primaryKey } : {}),
      ...(secondaryKey ? { secondaryKey } : {}),
      ...(secondaryConnectionString ? { secondaryConnectionString } : {}),
    },
    ...(consumerGroupName ? { consumerGroupName } : {}),
  };
}

/** A workspace or an item (GET /workspaces/{id}, GET .../eventstreams/{id}); unusable without an id. */
export function parseItem(json: unknown, what = 'item'): FabricItem {
  const obj = objectAt(json, what);
  const id = str(obj.id);
  if (!id) throw new FabricShapeError(`${what}: no id`);
  const fields = { displayName: str(obj.displayName), description: str(obj.description), type: str(obj.type), workspaceId: str(obj.workspaceId) };
  return { id, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
}

/** One page of GET /workspaces or GET /workspaces/{id}/eventstreams. */
export function parseItemPage(json: unknown, what = 'list'): ItemPage {
  const obj = objectAt(json, what);
  const value = listAt(obj, 'value', what).map((item, i) => parseItem(item, `${what}.value[${i}]`));
  const continuationUri = str(obj.continuationUri);
  const continuationToken = str(obj.continuationToken);
  return { value, ...(continuationUri ? { continuationUri } : {}), ...(continuationToken ? { continuationToken } : {}) };
}

/**
 * True when a Filter operator drops the suite's test events. Microsoft's schema (FilterOperatorProperties) gives a
 * Filter a list of `conditions`, each `{ column: { columnName, columnPathSegments? }, operatorType, value? }`; a Filter
 * passes on the events that match, so a condition "readinessTest IsNull" (or IsEmpty) keeps only events without the
 * field, and the marked test events stop there. The schema has no and/or between conditions: we read them as all
 * having to hold (the Filter's default), so one such condition suffices. A condition on a nested column of that name
 * (columnPathSegments naming a parent) is another field and does not count.
 */
export function filterDropsTestEvents(operator: Pick<ApiNode, 'type' | 'properties'>): boolean {
  if (operator.type !== FILTER_OPERATOR_TYPE) return false;
  const conditions = operator.properties.conditions;
  if (!Array.isArray(conditions)) return false;
  return conditions.some((c) => {
    if (!isObject(c) || !isObject(c.column)) return false;
    const segments = Array.isArray(c.column.columnPathSegments) ? c.column.columnPathSegments : [];
    const topLevel = segments.length === 0 || (segments.length === 1 && segments[0] === MARKER_FIELD);
    return c.column.columnName === MARKER_FIELD && topLevel && (c.operatorType === 'IsNull' || c.operatorType === 'IsEmpty');
  });
}

/** A node's id in the view: Fabric's id, or its unique name (operators have none). */
function viewId(node: ApiNode): string {
  return node.id ?? node.name;
}

/** Every node with its kind, status, error and inputs as ids (names resolved; an unknown name stays as it is). */
export function topologyView(t: Topology): TopologyView {
  const kinds: ReadonlyArray<readonly [NodeKind, readonly ApiNode[]]> = [
    ['source', t.sources],
    ['stream', t.streams],
    ['operator', t.operators],
    ['destination', t.destinations],
  ];
  const idByName = new Map<string, string>();
  for (const [, nodes] of kinds) for (const n of nodes) if (!idByName.has(n.name)) idByName.set(n.name, viewId(n));
  const nodes: TopologyNode[] = kinds.flatMap(([kind, list]) =>
    list.map((n) => {
      const error: NodeError | undefined = n.error;
      return {
        id: viewId(n),
        name: n.name,
        kind,
        type: n.type,
        ...(n.status ? { status: n.status } : {}),
        ...(error ? { error } : {}),
        inputs: n.inputNodes.map((ref) => idByName.get(ref.name) ?? ref.name),
        ...(kind === 'operator' && n.type === FILTER_OPERATOR_TYPE ? { dropsTestEvents: filterDropsTestEvents(n) } : {}),
      };
    }),
  );
  return { nodes, ...(t.compatibilityLevel ? { compatibilityLevel: t.compatibilityLevel } : {}) };
}
