// The tolerant reader and the relay's reshaping, as pure functions: what a destination may hand back, read right.
import { describe, expect, test } from 'vitest';
import { eventsInRecord, shapeOf } from '../../../support/workload/reader.js';
import { parseRelayShape, PLAIN_RELAY, reshape } from '../../../support/broker/eventstream-relay.js';

const a = { id: 'r-0', seq: 0 };
const b = { id: 'r-1', seq: 1 };

describe('eventsInRecord', () => {
  test('one JSON object, JSON lines and a JSON array all give their events in order', () => {
    expect(eventsInRecord(JSON.stringify(a))).toEqual([a]);
    expect(eventsInRecord(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`)).toEqual([a, b]);
    expect(eventsInRecord(JSON.stringify([a, b]))).toEqual([a, b]);
    expect([JSON.stringify(a), `${JSON.stringify(a)}\n${JSON.stringify(b)}`, JSON.stringify([a])].map(shapeOf)).toEqual(['object', 'json-lines', 'json-array']);
  });
  test('anything else gives no event, never a throw', () => {
    for (const junk of ['', 'not json', '42', '"text"', '{"a":1}\nnot json', 'null']) expect(eventsInRecord(junk)).toEqual([]);
  });
});

describe('the relay', () => {
  const records = [0, 1, 2, 3].map((i) => ({ key: `k${i % 2}`, value: JSON.stringify({ id: `r-${i}` }), headers: { h: 'v' } }));
  test('LOCAL_RELAY parses its shapes and names the variable on anything else', () => {
    expect(parseRelayShape('')).toEqual(PLAIN_RELAY);
    expect(parseRelayShape('drop-keys, json-array, delay=200, drop-every=3')).toEqual({ dropKeys: true, batch: 'json-array', delayMs: 200, dropEvery: 3 });
    expect(() => parseRelayShape('json-lines,json-array')).toThrow(/LOCAL_RELAY: expected a comma list/);
    expect(() => parseRelayShape('delay=-1')).toThrow(/got "delay=-1"/);
  });
  test('reshapes a batch: keys dropped, re-batched as lines or an array, every Nth event dropped', () => {
    expect(reshape(records, PLAIN_RELAY).out).toEqual(records);
    expect(reshape(records, { ...PLAIN_RELAY, dropKeys: true }).out.map((r) => [r.key, r.headers])).toEqual(records.map(() => [null, undefined]));
    const lines = reshape(records, { ...PLAIN_RELAY, batch: 'json-lines' }).out;
    expect(lines).toHaveLength(1);
    expect(eventsInRecord(lines[0]?.value ?? '')).toEqual(records.map((r) => JSON.parse(r.value)));
    expect(eventsInRecord(reshape(records, { ...PLAIN_RELAY, batch: 'json-array' }).out[0]?.value ?? '')).toHaveLength(4);
    const dropped = reshape(records, { ...PLAIN_RELAY, dropEvery: 2 }, 0);
    expect(dropped.out.map((r) => r.value)).toEqual([records[0]?.value, records[2]?.value]);
    expect(dropped.seen).toBe(4);
  });
});
