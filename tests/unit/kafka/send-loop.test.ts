// The send loop the burst and the capacity shard share: every event claimed once, ending acknowledged or failed once.
import type { Producer, RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { runBurst, type BurstOptions } from '../../../support/kafka/produce.js';
import { RequestCounter, sendBackToBack } from '../../../support/kafka/send-loop.js';
import { readSettings } from '../../../support/inputs/settings.js';

const settings = readSettings({});
const marker = { runId: 'unit', check: 'send-loop' };

/** A producer that acknowledges every request on the next tick, or fails the ones `fails` picks; it records what it was sent. */
function fakeProducer(fails: (request: number) => boolean = () => false) {
  const sent: string[][] = [];
  const producer = {
    send: async ({ messages }: { messages: Array<{ value: string }> }): Promise<RecordMetadata[]> => {
      const request = sent.push(messages.map((m) => m.value));
      await Promise.resolve();
      if (fails(request)) throw new Error('Connection closed');
      return [{ topicName: 't', partition: 0, errorCode: 0, baseOffset: '0' }];
    },
  };
  return { producer: producer as unknown as Producer, sent };
}

const burst = (events: number, extra: Partial<BurstOptions> = {}): BurstOptions => ({
  topic: 't',
  events,
  make: (i) => ({ value: String(i) }),
  marker,
  batchSize: 100,
  inFlight: 4,
  eventBytes: 10,
  settings,
  ...extra,
});

describe('the send loop', () => {
  it('max rate: sends each event exactly once when the workers start together over fewer requests than workers', async () => {
    const { producer, sent } = fakeProducer();
    const r = await runBurst(producer, burst(300));
    expect(
      sent
        .flat()
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect({ attempted: r.attempted, acknowledged: r.acknowledged, notSent: r.notSent, failed: r.failed }).toEqual({
      attempted: 300,
      acknowledged: 300,
      notSent: 0,
      failed: 0,
    });
  });

  it('paced: one event per request, each once, in order', async () => {
    const { producer, sent } = fakeProducer();
    const r = await runBurst(producer, burst(7, { gapMs: () => 0 }));
    expect(sent).toEqual(['0', '1', '2', '3', '4', '5', '6'].map((v) => [v]));
    expect(r.acknowledged).toBe(7);
  });

  it('paced: the gaps are between events, none before the first (n events, n - 1 pauses)', async () => {
    const { producer, sent } = fakeProducer();
    const asked: number[] = [];
    let sentBeforeFirstPause = -1;
    await runBurst(
      producer,
      burst(5, {
        gapMs: (i) => {
          if (asked.length === 0) sentBeforeFirstPause = sent.length;
          asked.push(i);
          return 1;
        },
      }),
    );
    expect(asked).toEqual([1, 2, 3, 4]);
    expect(sentBeforeFirstPause).toBe(1);
  });

  it('a failure stops new requests and counts its events as failed, the rest as not sent', async () => {
    const { producer } = fakeProducer((request) => request === 2);
    const r = await runBurst(producer, burst(1000, { inFlight: 1 }));
    expect({ acknowledged: r.acknowledged, failed: r.failed, notSent: r.notSent }).toEqual({ acknowledged: 100, failed: 100, notSent: 800 });
    expect(r.failures.map((f) => [f.failureClass, f.count])).toEqual([['connection-lost', 100]]);
  });

  it('a failure class that does not stop (the shard goes on past throttling) leaves the loop to its plan', async () => {
    const { producer } = fakeProducer((request) => request % 2 === 0);
    const counter = new RequestCounter({
      producer,
      settings,
      topic: 't',
      make: (i) => ({ value: String(i) }),
      marker,
      what: 'test send',
      stopsOn: () => false,
    });
    await sendBackToBack(counter, { workers: 3, nextCount: () => (counter.issued < 50 ? Math.min(10, 50 - counter.issued) : undefined) });
    expect({ issued: counter.issued, acknowledged: counter.acknowledged, failed: counter.failed }).toEqual({ issued: 50, acknowledged: 30, failed: 20 });
  });
});
