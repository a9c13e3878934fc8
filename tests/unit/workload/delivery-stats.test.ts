import { describe, expect, test } from 'vitest';
import { Partitioners } from 'kafkajs';
import { accountDeliveries, expectedPartition, offsetsStrictlyIncrease } from '../../../support/workload/delivery.js';
import { percentile, rate, summarize, ThrottleMeter } from '../../../support/core/stats.js';
import { inFlightFor } from '../../../support/kafka/produce.js';

describe('percentile (nearest rank)', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  test.each([
    [50, 50],
    [95, 95],
    [99, 99],
    [100, 100],
    [0, 1],
  ])('p%d of 1..100 is %d', (p, expected) => expect(percentile(values, p)).toBe(expected));
  test('a small sample rounds the rank up', () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 99)).toBe(40);
    expect(percentile([5], 99)).toBe(5);
  });
  test('summarize sorts, and reports max and mean', () => {
    expect(summarize([3, 1, 2, 10])).toEqual({ count: 4, p50: 2, p95: 10, p99: 10, max: 10, mean: 4 });
  });
  test('rate is events per second', () => {
    expect(rate(500, 250)).toBe(2000);
    expect(rate(10, 0)).toBe(0);
  });
});

describe('accountDeliveries', () => {
  const sent = [
    { id: 'a0', key: 'a', seq: 0 },
    { id: 'a1', key: 'a', seq: 1 },
    { id: 'a2', key: 'a', seq: 2 },
    { id: 'b0', key: 'b', seq: 0 },
  ];
  const r = (id: string, partition = 0) => ({ id, key: id[0] as string, seq: Number(id.slice(1)), partition });
  test('all delivered once in order: nothing missing, no duplicates, no violations', () => {
    expect(accountDeliveries(sent, [r('a0'), r('b0'), r('a1'), r('a2')])).toMatchObject({ unique: 4, missing: [], duplicates: 0, orderViolations: 0 });
  });
  test('a lost event is listed as missing', () => {
    expect(accountDeliveries(sent, [r('a0'), r('a2'), r('b0')]).missing).toEqual(['a1']);
  });
  test('a re-delivery counts as a duplicate, not as an order violation', () => {
    expect(accountDeliveries(sent, [r('a0'), r('a1'), r('a0'), r('a2'), r('b0')])).toMatchObject({ duplicates: 1, orderViolations: 0, unique: 4 });
  });
  test('a key arriving out of order is a violation; other keys interleaving is not', () => {
    expect(accountDeliveries(sent, [r('a1'), r('b0'), r('a0'), r('a2')]).orderViolations).toBe(1);
  });
  test('events from other runs are counted apart', () => {
    expect(accountDeliveries(sent, [r('z9'), r('a0')]).unexpected).toBe(1);
  });
});

describe('murmur2 and expectedPartition (our own implementation, checked against Java and against kafkajs)', () => {
  test("matches kafkajs' Java-compatible partitioner on many keys", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const metadata = (n: number) => Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    for (let i = 0; i < 500; i++) {
      const key = `key-${i}-${'é'.repeat(i % 5)}`;
      for (const n of [1, 3, 7, 32])
        expect(expectedPartition(key, n)).toBe(kafkajs({ topic: 't', partitionMetadata: metadata(n), message: { key, value: null } }));
    }
  });

  // Reference values from Kafka 4.1.1's Java client: Utils.toPositive(Utils.murmur2(key UTF-8)) % n, run with jshell.
  test.each([
    ['sensor-42', 3, 1],
    ['sensor-42', 32, 29],
    ['sensor-0', 32, 6],
    ['order-1001', 3, 0],
    ['a', 32, 28],
    ['key-with-ünïcode', 32, 20],
    ['sensor-42', 1, 0],
  ])('%s over %d partitions goes to %d, as in Java', (key, n, expected) => {
    expect(expectedPartition(key, n)).toBe(expected);
  });
});

describe('offsetsStrictlyIncrease', () => {
  test('accepts increasing offsets, even past 2^53', () => {
    expect(offsetsStrictlyIncrease(['1', '2', '9007199254740993'])).toBe(true);
  });
  test('rejects repeats and decreases', () => {
    expect(offsetsStrictlyIncrease(['1', '1'])).toBe(false);
    expect(offsetsStrictlyIncrease(['5', '4'])).toBe(false);
  });
});

describe('ThrottleMeter', () => {
  test('overlapping throttle windows count once; separate ones add up', () => {
    const t = new ThrottleMeter();
    t.add(100, 0);
    t.add(100, 50); // overlaps the first by 50
    t.add(100, 1000);
    t.add(0, 2000); // no throttle: ignored
    expect(t.totalMs).toBe(250);
    expect(t.responses).toBe(3);
  });
});

describe('requests in flight over a long round trip (inFlightFor)', () => {
  test('the base count covers 20 ms; longer round trips get proportionally more, never fewer than the base nor more than the cap', () => {
    expect(inFlightFor(1, 4, 32)).toBe(4);
    expect(inFlightFor(20, 4, 32)).toBe(4);
    expect(inFlightFor(21, 4, 32)).toBe(5);
    expect(inFlightFor(80, 4, 32)).toBe(16);
    expect(inFlightFor(1000, 4, 32)).toBe(32);
    // A cap under the base keeps the base: READINESS_BURST_IN_FLIGHT is a floor.
    expect(inFlightFor(80, 4, 2)).toBe(4);
  });
});
