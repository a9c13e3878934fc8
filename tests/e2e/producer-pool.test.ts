// The checks' producer pool on the shared broker: one connected producer per connection, reused by the checks in turn,
// replaced after a failure, closed at the end; a connect that fails is the acquiring check's failure, retried afresh.
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { ProducerPool } from '../../support/checks/producer-pool.js';
import { ThrottleMeter } from '../../support/core/stats.js';
import { parseEndpointEnv } from '../../support/inputs/config.js';
import { readSettings } from '../../support/inputs/settings.js';
import { sendEvent } from '../../support/kafka/produce.js';

const shared = inject('selfBroker');
const endpoint = parseEndpointEnv(shared.env);
const settings = readSettings({ ...shared.env, READINESS_KAFKA_CONNECT_TIMEOUT_MS: '5000' });
const marker = { runId: 'pool-test', check: 'producer-pool' };
// One key: every send lands on one partition, so offsets grow from one to the next.
const send = (producer: Parameters<typeof sendEvent>[0], topic: string) => sendEvent(producer, settings, topic, { key: 'pool', value: { n: 1 }, marker });

describe('the producer pool', () => {
  let pool = new ProducerPool();
  afterEach(async () => {
    await pool.close();
    pool = new ProducerPool();
  });

  test('a connection gets one producer, connected once and acknowledged through by every check that acquires it', async () => {
    const first = await pool.acquire('check', endpoint, settings, new ThrottleMeter());
    const ack = await send(first.producer, endpoint.topics.telemetry);
    expect(ack.partition).toBeGreaterThanOrEqual(0);
    first.release();
    const second = await pool.acquire('check', endpoint, settings, new ThrottleMeter());
    expect(second.producer).toBe(first.producer);
    expect(Number((await send(second.producer, endpoint.topics.telemetry)).offset)).toBeGreaterThan(Number(ack.offset));
    expect(pool.size).toBe(1);
  });

  test("the orders topic's own key is a connection of its own; warm() starts both, and each acquires its own", async () => {
    expect(endpoint.orders.password).not.toBe(endpoint.password);
    pool.warm(
      [
        { role: 'check', connection: endpoint },
        { role: 'orders', connection: endpoint.orders },
      ],
      settings,
    );
    expect(pool.size).toBe(2);
    const main = await pool.acquire('check', endpoint, settings, new ThrottleMeter());
    const orders = await pool.acquire('orders', endpoint.orders, settings, new ThrottleMeter());
    expect(orders.producer).not.toBe(main.producer);
    await send(orders.producer, endpoint.topics.orders);
    // The same key for orders as for telemetry is the same connection: one producer.
    const same = await pool.acquire('orders', { ...endpoint.orders, password: endpoint.password }, settings, new ThrottleMeter());
    expect(same.producer).toBe(main.producer);
  });

  test('a discarded producer (after a failed check) is disconnected; the next check gets a fresh, connected one', async () => {
    const first = await pool.acquire('check', endpoint, settings, new ThrottleMeter());
    await pool.discard(first.producer);
    expect(pool.size).toBe(0);
    await expect(send(first.producer, endpoint.topics.telemetry)).rejects.toThrow(/disconnected/i);
    const next = await pool.acquire('check', endpoint, settings, new ThrottleMeter());
    expect(next.producer).not.toBe(first.producer);
    await send(next.producer, endpoint.topics.telemetry);
  });

  test('a connect that fails (wrong key) is thrown to the acquiring check and forgotten, so the next check tries again', async () => {
    const wrong = { ...endpoint, password: endpoint.password.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=d3JvbmcgcGFzc3dvcmQ=') };
    expect(wrong.password).not.toBe(endpoint.password);
    await expect(pool.acquire('check', wrong, settings, new ThrottleMeter())).rejects.toThrow(/SASL|auth/i);
    expect(pool.size).toBe(0);
    await expect(pool.acquire('check', wrong, settings, new ThrottleMeter())).rejects.toThrow(/SASL|auth/i);
    expect(pool.size).toBe(0);
  });

  test('a connect started ahead (warm) that had failed is made afresh by the check that acquires it', async () => {
    // In front of the broker: closes the first connection (the warmed connect, one attempt), relays every later one.
    let refused = 0;
    let relayed = 0;
    const front = createServer((client) => {
      if (refused === 0) {
        refused++;
        client.destroy();
        return;
      }
      relayed++;
      const upstream = connect({ host: 'localhost', port: shared.saslPort });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const port = (front.address() as { port: number }).port;
    const once = { ...settings, KAFKA_RETRIES: 0 };
    const fronted = { ...endpoint, brokers: [{ host: 'localhost', port }] };
    try {
      pool.warm([{ role: 'check', connection: fronted }], once);
      await expect.poll(() => pool.failedAhead(fronted), { timeout: 15000 }).toBe(true);
      expect(refused).toBe(1);
      const { producer } = await pool.acquire('check', fronted, once, new ThrottleMeter());
      await send(producer, endpoint.topics.telemetry);
      expect(relayed).toBeGreaterThan(0);
    } finally {
      await pool.close();
      await new Promise((r) => front.close(r));
    }
  });

  test('a check that finds its connect still under way waits for it: one connect, one failure, as without the warm', async () => {
    // Accepts and never answers: the connect fails only at its deadline.
    const held: Socket[] = [];
    const silent = createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const quick = { ...settings, KAFKA_RETRIES: 0, KAFKA_CONNECT_TIMEOUT_MS: 500 };
    const dark = { ...endpoint, brokers: [{ host: 'localhost', port }] };
    try {
      pool.warm([{ role: 'check', connection: dark }], quick);
      await expect(pool.acquire('check', dark, quick, new ThrottleMeter())).rejects.toThrow();
      expect(held.length).toBe(1);
      expect(pool.size).toBe(0);
    } finally {
      held.forEach((s) => s.destroy());
      await new Promise((r) => silent.close(r));
    }
  });

  test('close() disconnects every producer: a send afterwards is refused by the client', async () => {
    const { producer } = await pool.acquire('check', endpoint, settings, new ThrottleMeter());
    await pool.close();
    expect(pool.size).toBe(0);
    await expect(send(producer, endpoint.topics.telemetry)).rejects.toThrow(/disconnected/i);
  });
});
