// Microsoft's Fabric REST API specification, for contract tests: loads it (swagger-parser resolving the cross-file
// $refs) and validates a response body against an operation's schema with ajv, tolerating exactly the known gaps.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { PROJECT_ROOT } from '../core/project-root.js';

/** The two APIs the suite calls: eventstream (items, topology, connections) and platform (workspaces). */
export const SPEC_APIS = ['eventstream', 'platform'] as const;
export type SpecApi = (typeof SPEC_APIS)[number];

/**
 * The tolerance Microsoft's own examples need (SOURCE.md beside the spec lists the gaps); nothing else is relaxed.
 * A strict validation (`tolerance: []`) rejects the examples, and each rule is proven needed by a contract test.
 */
export const SPEC_TOLERANCE = {
  /** GetEventstreamSource/Destination carry "error": null; the topology's operator columns "fields": null, "items": null. */
  'null-optional': 'null in an optional field (Swagger 2.0 has no null; Microsoft sends it)',
  /**
   * Enums Microsoft marks extensible (x-ms-enum modelAsString: true, described "additional values may be added over
   * time"): node status, source and destination types, compatibilityLevel ("1.1" in the topology example).
   */
  'open-enum': 'a value beyond an enum that Microsoft marks open (x-ms-enum modelAsString: true)',
  /** Three source types declare properties.filters as an object (Event Grid advanced filters); the example gives arrays. */
  'filters-array': 'properties.filters as an array where a source type declares an object',
  /**
   * Not in SOURCE.md's list, found by dispatching on the discriminator: a ManageFields FunctionCall's `arguments`
   * declares items of type object, and the topology example passes literals ("a", 1) beside a column reference.
   */
  'literal-arguments': 'a function argument that is a literal (string, number, boolean) where items of type object are declared',
} as const;
export type ToleranceRule = keyof typeof SPEC_TOLERANCE;
export const ALL_TOLERANCE: readonly ToleranceRule[] = Object.keys(SPEC_TOLERANCE) as ToleranceRule[];

/** A Swagger 2.0 schema object after dereferencing (loosely typed: Microsoft's files are the authority). */
type SwaggerSchema = Record<string, unknown>;
type JsonSchema = Record<string, unknown>;

export interface SpecOperation {
  readonly api: SpecApi;
  /** Lower case: get, post, ... */
  readonly method: string;
  /** The path template without the base path, e.g. /workspaces/{workspaceId}/eventstreams/{eventstreamId}/topology. */
  readonly path: string;
  readonly operationId: string;
  /** Response schema per status ('200', '429', 'default'); undefined when the response has no body. */
  readonly responses: Readonly<Record<string, SwaggerSchema | undefined>>;
}

/** One of Microsoft's examples (x-ms-examples), as its file gives it. */
export interface SpecExample {
  readonly api: SpecApi;
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  readonly title: string;
  /** Absolute path of the example file. */
  readonly file: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly responses: Readonly<Record<string, { readonly body?: unknown; readonly headers?: Readonly<Record<string, unknown>> }>>;
}

export interface FabricSpec {
  readonly dir: string;
  /** '/v1' */
  readonly basePath: string;
  readonly operations: readonly SpecOperation[];
  /** Every example whose file is in the copy. */
  readonly examples: readonly SpecExample[];
  /** Schema files the specification references that the copy does not hold (relative to dir): other APIs' definitions. */
  readonly missingFiles: readonly string[];
  /** Example files the specification lists that the copy does not hold (the platform's). */
  readonly missingExamples: readonly string[];
}

export interface SpecAvailability {
  readonly dir: string;
  readonly available: boolean;
  /** Why not, naming the folder and FABRIC_API_SPEC_DIR. */
  readonly reason?: string;
}

/** Where the spec lives: FABRIC_API_SPEC_DIR, or ../shared/fabric-api-spec beside the repository. */
export function specDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.FABRIC_API_SPEC_DIR?.trim() || resolve(PROJECT_ROOT, '..', 'shared', 'fabric-api-spec');
}

export function specAvailability(dir: string = specDir()): SpecAvailability {
  const absent = SPEC_APIS.map((api) => join(dir, api, 'swagger.json')).filter((f) => !existsSync(f));
  if (absent.length === 0) return { dir, available: true };
  return {
    dir,
    available: false,
    reason: `Microsoft's Fabric REST API specification is not at ${dir} (missing ${absent.map((f) => relative(dir, f)).join(', ')}); set FABRIC_API_SPEC_DIR to a copy of microsoft/fabric-rest-api-specs`,
  };
}

/**
 * For a test: returns when the spec is there; otherwise skips with the reason, or under CI=true throws (the
 * contract test must not pass silently in CI).
 */
export function requireSpec(
  availability: SpecAvailability,
  skip: (note: string) => void,
  env: Readonly<Record<string, string | undefined>> = process.env,
): void {
  if (availability.available) return;
  const reason = availability.reason ?? `no specification at ${availability.dir}`;
  if (env.CI === 'true') throw new Error(`${reason}. Under CI=true the contract test must run, not be skipped.`);
  skip(reason);
}

// ---- loading -------------------------------------------------------------------------------------------------

/** Replaces $refs to files the copy does not hold by an empty (permissive) schema, noting each file. */
function stubMissingRefs(node: unknown, baseDir: string, missing: Set<string>, specRoot: string): unknown {
  if (Array.isArray(node)) return node.map((n) => stubMissingRefs(n, baseDir, missing, specRoot));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  const ref = obj.$ref;
  if (typeof ref === 'string') {
    const file = ref.split('#')[0];
    if (file && !existsSync(resolve(baseDir, file))) {
      missing.add(relative(specRoot, resolve(baseDir, file)));
      return { 'x-unresolved-ref': ref };
    }
    return obj;
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, stubMissingRefs(v, baseDir, missing, specRoot)]));
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** Every definitions file of an API, and the common one: their definitions are where discriminator subtypes live. */
function definitionFiles(dir: string, api: SpecApi): string[] {
  const apiDir = join(dir, api);
  const nested = join(apiDir, 'definitions');
  const files = [
    ...(existsSync(join(apiDir, 'definitions.json')) ? [join(apiDir, 'definitions.json')] : []),
    ...(existsSync(nested)
      ? readdirSync(nested)
          .filter((f) => f.endsWith('.json'))
          .map((f) => join(nested, f))
      : []),
    join(dir, 'common', 'definitions.json'),
  ];
  return files.filter((f) => existsSync(f));
}

const ALL_DEFINITIONS = 'x-all-definitions';

/**
 * The root document handed to swagger-parser: the API's paths without x-ms-examples (read separately, and the
 * platform's are not in the copy), plus a $ref to every definition of its files, so that discriminator subtypes,
 * which no path references, are dereferenced into the same object graph as their base.
 */
function rootDocument(dir: string, api: SpecApi, missing: Set<string>): Record<string, unknown> {
  const rootFile = join(dir, api, 'swagger.json');
  const raw = readJson(rootFile);
  const paths: Record<string, unknown> = {};
  for (const [path, ops] of Object.entries(raw.paths as Record<string, Record<string, unknown>>)) {
    paths[path] = Object.fromEntries(
      Object.entries(ops).map(([m, op]) => {
        if (!op || typeof op !== 'object' || Array.isArray(op)) return [m, op];
        const { 'x-ms-examples': _examples, ...rest } = op as Record<string, unknown>;
        return [m, rest];
      }),
    );
  }
  const all: Record<string, unknown> = {};
  for (const file of definitionFiles(dir, api)) {
    const rel = relative(dirname(rootFile), file).split('\\').join('/');
    for (const name of Object.keys((readJson(file).definitions as Record<string, unknown> | undefined) ?? {})) {
      all[`${rel}#${name}`] = { $ref: `${rel.startsWith('.') ? rel : `./${rel}`}#/definitions/${name}` };
    }
  }
  return stubMissingRefs({ ...raw, paths, [ALL_DEFINITIONS]: all }, dirname(rootFile), missing, dir) as Record<string, unknown>;
}

/** A file resolver for swagger-parser: local files only (no network), missing cross-API refs stubbed. */
function specFileResolver(dir: string, missing: Set<string>) {
  return {
    order: 1,
    canRead: (file: { url: string }) => !/^https?:/i.test(file.url),
    read: (file: { url: string }) => {
      const path = file.url.startsWith('file:') ? fileURLToPath(file.url) : decodeURI(file.url);
      return JSON.stringify(stubMissingRefs(readJson(path), dirname(path), missing, dir));
    },
  };
}

async function dereferenceApi(dir: string, api: SpecApi, missing: Set<string>): Promise<Record<string, unknown>> {
  const parser = new SwaggerParser();
  const root = rootDocument(dir, api, missing);
  // Column types nest (a record's fields, an array's items): the graph has cycles, which convert() turns into $refs.
  const options = { resolve: { http: false, file: false, spec: specFileResolver(dir, missing) }, dereference: { circular: true } };
  // The three-argument form (path, object, options) resolves relative $refs against the root file's folder.
  const threeArgs = parser as unknown as { dereference(path: string, api: object, options: object): Promise<Record<string, unknown>> };
  return threeArgs.dereference(join(dir, api, 'swagger.json'), root, options);
}

function operationsOf(api: SpecApi, doc: Record<string, unknown>): SpecOperation[] {
  const out: SpecOperation[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>)) {
    for (const [method, op] of Object.entries(ops)) {
      if (method === 'parameters' || !op || typeof op !== 'object') continue;
      const responses = Object.fromEntries(
        Object.entries((op.responses as Record<string, { schema?: SwaggerSchema }> | undefined) ?? {}).map(([status, r]) => [status, r?.schema]),
      );
      out.push({ api, method, path, operationId: String(op.operationId), responses });
    }
  }
  return out;
}

/** Microsoft's examples as the raw root file lists them (x-ms-examples: title -> file). */
function examplesOf(dir: string, api: SpecApi, missing: string[]): SpecExample[] {
  const rootFile = join(dir, api, 'swagger.json');
  const raw = readJson(rootFile);
  const out: SpecExample[] = [];
  for (const [path, ops] of Object.entries(raw.paths as Record<string, Record<string, Record<string, unknown>>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const refs = (op?.['x-ms-examples'] as Record<string, { $ref?: string }> | undefined) ?? {};
      for (const [title, ref] of Object.entries(refs)) {
        if (!ref.$ref) continue;
        const file = resolve(dirname(rootFile), ref.$ref);
        if (!existsSync(file)) {
          missing.push(relative(dir, file));
          continue;
        }
        const body = readJson(file) as { parameters?: Record<string, unknown>; responses?: SpecExample['responses'] };
        out.push({ api, operationId: String(op.operationId), method, path, title, file, parameters: body.parameters ?? {}, responses: body.responses ?? {} });
      }
    }
  }
  return out;
}

interface SpecInternals {
  /** Discriminated base (keyed by its properties object) -> discriminator value -> subtype schema. */
  readonly subtypes: WeakMap<object, Map<string, SwaggerSchema>>;
  readonly validators: Map<string, ValidateFunction>;
  readonly schemaIds: Map<object, number>;
}

const internals = new WeakMap<FabricSpec, SpecInternals>();

/**
 * A discriminated base is recognised by its `properties` object: swagger-parser keeps one instance per $ref target,
 * but a $ref with siblings (`{ description, $ref }`) becomes a shallow copy, which still shares `properties`.
 */
function baseKey(schema: SwaggerSchema): object {
  return (schema.properties as object | undefined) ?? schema;
}

function indexSubtypes(doc: Record<string, unknown>, subtypes: WeakMap<object, Map<string, SwaggerSchema>>): void {
  for (const [key, def] of Object.entries(doc[ALL_DEFINITIONS] as Record<string, SwaggerSchema>)) {
    for (const parent of (def.allOf as SwaggerSchema[] | undefined) ?? []) {
      if (typeof parent.discriminator !== 'string') continue;
      const value = typeof def['x-ms-discriminator-value'] === 'string' ? def['x-ms-discriminator-value'] : key.split('#')[1];
      const map = subtypes.get(baseKey(parent)) ?? new Map<string, SwaggerSchema>();
      map.set(String(value), def);
      subtypes.set(baseKey(parent), map);
    }
  }
}

/** Loads both APIs of the spec, dereferenced, with their examples. Throws naming the folder when it is not there. */
export async function loadFabricSpec(dir: string = specDir()): Promise<FabricSpec> {
  const availability = specAvailability(dir);
  if (!availability.available) throw new Error(availability.reason);
  const missing = new Set<string>();
  const subtypes = new WeakMap<object, Map<string, SwaggerSchema>>();
  const operations: SpecOperation[] = [];
  const examples: SpecExample[] = [];
  const missingExamples: string[] = [];
  let basePath = '/v1';
  for (const api of SPEC_APIS) {
    const doc = await dereferenceApi(dir, api, missing);
    basePath = typeof doc.basePath === 'string' ? doc.basePath : basePath;
    indexSubtypes(doc, subtypes);
    operations.push(...operationsOf(api, doc));
    examples.push(...examplesOf(dir, api, missingExamples));
  }
  const spec: FabricSpec = { dir, basePath, operations, examples, missingFiles: [...missing].sort(), missingExamples };
  internals.set(spec, { subtypes, validators: new Map(), schemaIds: new Map() });
  return spec;
}

// ---- finding operations --------------------------------------------------------------------------------------

export interface OperationRef {
  readonly method: string;
  /** A path template (/workspaces/{workspaceId}) or a concrete path (/v1/workspaces/abc...), with or without a query. */
  readonly path: string;
  readonly status: number | string;
}

function templateRegex(template: string): RegExp {
  const escaped = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

/** The operation for a method and a path template or a concrete request path (the base path /v1 may lead). */
export function findOperation(spec: FabricSpec, method: string, path: string): SpecOperation | undefined {
  const m = method.toLowerCase();
  const bare = path.split('?')[0] ?? path;
  const exact = spec.operations.find((o) => o.method === m && o.path === bare);
  if (exact) return exact;
  const stripped = bare.startsWith(`${spec.basePath}/`) ? bare.slice(spec.basePath.length) : bare;
  const params = (o: SpecOperation) => o.path.split('{').length;
  // Of the templates that match, the one with the fewest parameters: literal segments win.
  return spec.operations
    .filter((o) => o.method === m && (o.path === stripped || templateRegex(o.path).test(stripped)))
    .sort((a, b) => params(a) - params(b))[0];
}

/** Microsoft's examples of one operation (by operationId, or method and path). */
export function examplesFor(spec: FabricSpec, operation: string | { method: string; path: string }): SpecExample[] {
  const op = typeof operation === 'string' ? spec.operations.find((o) => o.operationId === operation) : findOperation(spec, operation.method, operation.path);
  return op ? spec.examples.filter((e) => e.operationId === op.operationId) : [];
}

// ---- validating ----------------------------------------------------------------------------------------------

/** Keywords Swagger 2.0 shares with JSON Schema that the spec uses; the rest (x-ms-*, readOnly, discriminator) are dropped. */
const SHARED_KEYWORDS = ['type', 'format', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'multipleOf'];

interface Conversion {
  readonly tolerance: ReadonlySet<ToleranceRule>;
  readonly subtypes: WeakMap<object, Map<string, SwaggerSchema>>;
  readonly memo: Map<object, JsonSchema>;
  /** Schemas being converted: meeting one again is a cycle, written as a $ref into `definitions`. */
  readonly inProgress: Set<object>;
  readonly definitions: Record<string, JsonSchema>;
  readonly names: Map<object, string>;
}

function isOpenEnum(schema: SwaggerSchema): boolean {
  const x = schema['x-ms-enum'] as { modelAsString?: boolean } | undefined;
  return x?.modelAsString === true;
}

function convertProperty(name: string, prop: SwaggerSchema, required: boolean, cx: Conversion): JsonSchema {
  let out = convert(prop, cx);
  if (name === 'filters' && prop.type === 'object' && cx.tolerance.has('filters-array')) out = { anyOf: [out, { type: 'array' }] };
  const items = prop.items as SwaggerSchema | undefined;
  if (name === 'arguments' && items?.type === 'object' && cx.tolerance.has('literal-arguments')) {
    out = { ...out, items: { anyOf: [out.items, { type: ['string', 'number', 'boolean'] }] } };
  }
  if (!required && cx.tolerance.has('null-optional')) out = { anyOf: [{ type: 'null' }, out] };
  return out;
}

/** Swagger 2.0 polymorphism: each known discriminator value selects its subtype; an unknown value checks the base only. */
function discriminated(schema: SwaggerSchema, cx: Conversion): JsonSchema[] {
  const property = schema.discriminator;
  const subs = typeof property === 'string' ? cx.subtypes.get(baseKey(schema)) : undefined;
  if (!subs || typeof property !== 'string') return [];
  return [...subs].map(([value, sub]) => {
    const own = { ...sub, allOf: ((sub.allOf as SwaggerSchema[] | undefined) ?? []).filter((p) => baseKey(p) !== baseKey(schema)) };
    return { if: { properties: { [property]: { const: value } }, required: [property] }, then: convert(own, cx) };
  });
}

/** A dereferenced Swagger 2.0 schema as a JSON Schema for ajv, with the chosen tolerance applied. */
function convert(schema: SwaggerSchema, cx: Conversion): JsonSchema {
  if (cx.inProgress.has(schema)) return cycleRef(schema, cx);
  const cached = cx.memo.get(schema);
  if (cached) return cached;
  const out: JsonSchema = {};
  cx.memo.set(schema, out);
  cx.inProgress.add(schema);
  fillSchema(schema, out, cx);
  cx.inProgress.delete(schema);
  return out;
}

function cycleRef(schema: SwaggerSchema, cx: Conversion): JsonSchema {
  let name = cx.names.get(schema);
  if (!name) {
    name = `s${cx.names.size + 1}`;
    cx.names.set(schema, name);
    cx.definitions[name] = cx.memo.get(schema) as JsonSchema;
  }
  return { $ref: `#/definitions/${name}` };
}

function fillSchema(schema: SwaggerSchema, out: JsonSchema, cx: Conversion): void {
  for (const k of SHARED_KEYWORDS) if (k in schema) out[k] = schema[k];
  if (Array.isArray(schema.enum) && !(isOpenEnum(schema) && cx.tolerance.has('open-enum'))) out.enum = schema.enum;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  if (required.length) out.required = required;
  if (schema.properties && typeof schema.properties === 'object') {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties as Record<string, SwaggerSchema>).map(([name, prop]) => [
        name,
        convertProperty(name, prop, required.includes(name), cx),
      ]),
    );
  }
  if (schema.items && typeof schema.items === 'object') out.items = convert(schema.items as SwaggerSchema, cx);
  if (schema.additionalProperties !== undefined) {
    const ap = schema.additionalProperties;
    out.additionalProperties = ap && typeof ap === 'object' ? convert(ap as SwaggerSchema, cx) : ap;
  }
  const allOf = [...((schema.allOf as SwaggerSchema[] | undefined) ?? []).map((s) => convert(s, cx)), ...discriminated(schema, cx)];
  if (allOf.length) out.allOf = allOf;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('uuid', UUID);
  ajv.addFormat('uri', { type: 'string', validate: (s: string) => URL.canParse(s) });
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)) });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  return ajv;
}

function schemaId(inner: SpecInternals, schema: object): number {
  let id = inner.schemaIds.get(schema);
  if (id === undefined) {
    id = inner.schemaIds.size + 1;
    inner.schemaIds.set(schema, id);
  }
  return id;
}

function validatorFor(spec: FabricSpec, schema: SwaggerSchema, tolerance: readonly ToleranceRule[]): ValidateFunction {
  const inner = internals.get(spec);
  if (!inner) throw new Error('not a FabricSpec from loadFabricSpec()');
  const set = new Set(tolerance);
  const key = `${schemaId(inner, schema)}|${[...set].sort().join(',')}`;
  let fn = inner.validators.get(key);
  if (!fn) {
    const cx: Conversion = { tolerance: set, subtypes: inner.subtypes, memo: new Map(), inProgress: new Set(), definitions: {}, names: new Map() };
    const root = convert(schema, cx);
    // The root may itself be a cycle's target: wrap it, so `definitions` sits beside it, not inside it.
    fn = newAjv().compile({ definitions: cx.definitions, allOf: [root] });
    inner.validators.set(key, fn);
  }
  return fn;
}

/** Drops the wrappers' echoes: "must match then", "must match a schema in anyOf", and the tolerated null branch. */
function isTelling(e: ErrorObject): boolean {
  if (e.keyword === 'if' || e.keyword === 'anyOf') return false;
  return !(e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null');
}

function formatError(e: ErrorObject): string {
  const where = e.instancePath || '(body)';
  const allowed = e.keyword === 'enum' ? ` ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)}` : '';
  return `${where} ${e.message ?? e.keyword}${allowed}`;
}

export interface ValidateOptions {
  /** The rules of SPEC_TOLERANCE to apply; default all of them; [] is strict Swagger 2.0. */
  readonly tolerance?: readonly ToleranceRule[];
}

/**
 * Validates a response body against the schema Microsoft gives for the operation and status ('default' when the
 * status has none). Returns the errors, each "<json pointer> <message>"; empty when valid. A response the spec gives
 * no body for accepts only an empty body (undefined, null or "").
 */
export function validateResponse(spec: FabricSpec, ref: OperationRef, body: unknown, options: ValidateOptions = {}): string[] {
  const op = findOperation(spec, ref.method, ref.path);
  if (!op) return [`no operation ${ref.method.toUpperCase()} ${ref.path} in the specification`];
  const status = String(ref.status);
  const declared = status in op.responses;
  const schema = declared ? op.responses[status] : op.responses.default;
  if (!declared && !('default' in op.responses)) return [`${op.operationId} declares no response ${status}`];
  if (!schema) return body === undefined || body === null || body === '' ? [] : [`${op.operationId} ${status} has no body in the specification`];
  const validate = validatorFor(spec, schema, options.tolerance ?? ALL_TOLERANCE);
  if (validate(body)) return [];
  return [...new Set((validate.errors ?? []).filter(isTelling).map(formatError))];
}
