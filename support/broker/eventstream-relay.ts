// Plays the Eventstream between a source topic and a destination topic on the local broker, with what a real
// eventstream may do to events on the way: drop keys and headers, re-batch JSON into lines or arrays, delay, drop.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { connectWithin, disconnectWithin, withDeadline } from '../core/deadline.js';

/** What the relay does to the events it carries (LOCAL_RELAY, e.g. "drop-keys,json-lines,delay=200"). */
export interface RelayShape {
  /** Keys (and headers) are not carried over: nothing documents that they survive source -> destination. */
  readonly dropKeys: boolean;
  /** Several events become one record: JSON lines, or one JSON array. */
  readonly batch: 'none' | 'json-lines' | 'json-array';
  /** Each event is held this long before it is written on. */
  readonly delayMs: number;
  /** Every Nth event is dropped after the source acknowledged it (a schema-associated eventstream drops mismatches). */
  readonly dropEvery: number;
}

export const PLAIN_RELAY: RelayShape = { dropKeys: false, batch: 'none', delayMs: 0, dropEvery: 0 };

const SHAPE_FORM = 'a comma list of: drop-keys, json-lines, json-array, delay=<ms>, drop-every=<n> (e.g. "drop-keys,json-lines")';

/** Parses LOCAL_RELAY; the error names the variable and the form expected. */
export function parseRelayShape(raw: string): RelayShape {
  let shape: { -readonly [K in keyof RelayShape]: RelayShape[K] } = { ...PLAIN_RELAY };
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=');
    const number = Number(value);
    if (name === 'drop-keys' && value === undefined) shape = { ...shape, dropKeys: true };
    else if ((name === 'json-lines' || name === 'json-array') && value === undefined && shape.batch === 'none') shape = { ...shape, batch: name };
    else if (name === 'delay' && Number.isInteger(number) && number >= 0 && number <= 60000) shape = { ...shape, delayMs: number };
    else if (name === 'drop-every' && Number.isInteger(number) && number >= 2) shape = { ...shape, dropEvery: number };
    else throw new Error(`LOCAL_RELAY: expected ${SHAPE_FORM}; got ${JSON.stringify(part)}`);
  }
  return shape;
}

export interface RelayRecord {
  readonly key: string | null;
  readonly value: string;
  readonly headers?: Record<string, string>;
}

/**
 * What the destination receives for a batch of source records, in order. `seen` counts the events the relay
 * has carried so far (for drop-every), and is returned advanced.
 */
export function reshape(records: readonly RelayRecord[], shape: RelayShape, seen = 0): { out: RelayRecord[]; seen: number } {
  const kept: RelayRecord[] = [];
  let n = seen;
  for (const r of records) {
    n += 1;
    if (shape.dropEvery > 0 && n % shape.dropEvery === 0) continue;
    kept.push(shape.dropKeys ? { key: null, value: r.value } : r);
  }
  if (shape.batch === 'none' || kept.length === 0) return { out: kept, seen: n };
  const values = kept.map((r) => r.value);
  const value = shape.batch === 'json-lines' ? values.join('\n') : `[${values.join(',')}]`;
  return { out: [{ key: null, value }], seen: n };
}

/** A running relay: stop() ends it (bounded). */
export interface Relay {
  readonly shape: RelayShape;
  stop(): Promise<void>;
}

/**
 * Reads `from` from its end and writes each fetched batch, reshaped, to `to`. Batches are what the broker hands
 * out at once, as an eventstream's processing window would group them.
 */
export async function startRelay(
  kafka: Kafka,
  options: { from: string; to: string; shape: RelayShape; groupId: string; log?: (line: string) => void },
): Promise<Relay> {
  const consumer: Consumer = kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 50, allowAutoTopicCreation: false });
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  let seen = 0;
  await Promise.all([connectWithin(consumer, 20000, 'relay consumer connect'), connectWithin(producer, 20000, 'relay producer connect')]);
  await withDeadline(consumer.subscribe({ topics: [options.from], fromBeginning: false }), 20000, 'relay subscribe');
  const { GROUP_JOIN } = consumer.events;
  const joined = new Promise<void>((resolve) => consumer.on(GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachBatch: async (payload) => {
      const { batch } = payload;
      const records = batch.messages.map((m) => ({
        key: m.key?.toString() ?? null,
        value: m.value?.toString() ?? '',
        headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
      }));
      const reshaped = reshape(records, options.shape, seen);
      seen = reshaped.seen;
      if (options.shape.delayMs > 0) await sleep(options.shape.delayMs);
      if (reshaped.out.length > 0)
        await producer.send({ topic: options.to, acks: -1, messages: reshaped.out.map((r) => ({ key: r.key, value: r.value, headers: r.headers })) });
      for (const m of batch.messages) payload.resolveOffset(m.offset);
      await payload.heartbeat();
    },
  });
  await withDeadline(joined, 20000, 'relay consumer group join');
  options.log?.(`relay ${options.from} -> ${options.to} running (${describeShape(options.shape)})`);
  return {
    shape: options.shape,
    stop: async () => {
      await disconnectWithin(consumer, 5000);
      await disconnectWithin(producer, 5000);
    },
  };
}

export function describeShape(s: RelayShape): string {
  const parts = [
    s.dropKeys ? 'keys dropped' : 'keys kept',
    s.batch === 'none' ? 'one record per event' : s.batch,
    s.delayMs ? `delay ${s.delayMs} ms` : '',
    s.dropEvery ? `every ${s.dropEvery}th event dropped` : '',
  ];
  return parts.filter(Boolean).join(', ');
}
