// Builds the notebook's events from fixtures/ and validates each against its JSON schema before it is sent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { PROJECT_ROOT } from '../core/project-root.js';
import { MARKER_FIELD, markerValue, type Marker } from '../record/marker.js';

const FIXTURES = join(PROJECT_ROOT, 'fixtures');

export type SchemaName = 'telemetry-event' | 'device-status' | 'order-event';

const ajv = new Ajv({ allErrors: true, strict: true });
const validators = new Map<SchemaName, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  let v = validators.get(name);
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(join(FIXTURES, 'schemas', `${name}.schema.json`), 'utf8')) as object);
    validators.set(name, v);
  }
  return v;
}

/** Throws, naming the schema and every violation, when the event does not match its contract. */
export function assertMatchesSchema(name: SchemaName, event: unknown): void {
  const v = validator(name);
  if (!v(event)) {
    const problems = (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`).join('; ');
    throw new Error(`event does not match fixtures/schemas/${name}.schema.json: ${problems}`);
  }
}

export function sample(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, 'samples', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

const now = () => new Date().toISOString();

/** The run id and the marker every test event carries at top level (see support/record/marker.ts). */
function marked(marker: Marker): Record<string, string> {
  return { runId: marker.runId, [MARKER_FIELD]: markerValue(marker) };
}

export function telemetryEvent(i: number, marker: Marker): Record<string, unknown> {
  const event = { ...sample('telemetry-event'), deviceId: `sensor-${i}`, temperature: 20 + i, eventTime: now(), ...marked(marker) };
  assertMatchesSchema('telemetry-event', event);
  return event;
}

export function deviceStatus(seq: number, marker: Marker): Record<string, unknown> {
  const event = { ...sample('device-status'), ...marked(marker), seq };
  assertMatchesSchema('device-status', event);
  return event;
}

/** An order as the notebook made it (random id 1000-9999 and amount 10-500), padded to `bytes` when given. */
export function orderEvent(seq: number, marker: Marker, bytes?: number): Record<string, unknown> {
  const event: Record<string, unknown> = {
    orderId: 1000 + Math.floor(Math.random() * 9000),
    amount: Math.round((10 + Math.random() * 490) * 100) / 100,
    eventTime: now(),
    ...marked(marker),
    seq,
  };
  if (bytes !== undefined) {
    const base = Buffer.byteLength(JSON.stringify({ ...event, padding: '' }));
    event.padding = 'x'.repeat(Math.max(0, bytes - base));
  }
  assertMatchesSchema('order-event', event);
  return event;
}
