// The wire client's cancellation: an AbortSignal ends a connection that is still connecting or waiting on an answer,
// at once, so preflight work started alongside a stage that failed never outlives the preflight.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, test } from 'vitest';
import { WireConnection } from '../../../support/kafka/wire.js';

const servers: Server[] = [];
const held: Socket[] = [];
afterAll(async () => {
  held.forEach((s) => s.destroy());
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** Accepts TCP and never says a word (no TLS handshake, no Kafka answer). */
async function silentStub(): Promise<number> {
  const server = createServer((socket) => held.push(socket));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

describe('WireConnection cancellation', () => {
  test('aborting while the TLS handshake waits rejects the open at once, as cancelled', async () => {
    const port = await silentStub();
    const cancel = new AbortController();
    const opening = WireConnection.open({ host: '127.0.0.1', port, tls: {} }, 'test', 30000, cancel.signal);
    // Held until the stub has the connection: the handshake is then waiting on it.
    await expect.poll(() => held.length, { timeout: 5000 }).toBeGreaterThan(0);
    const start = performance.now();
    cancel.abort('judged');
    await expect(opening).rejects.toMatchObject({ code: 'ECANCELED' });
    expect(performance.now() - start).toBeLessThan(1000);
  });

  test('aborting while a request waits for its answer rejects the request at once', async () => {
    const port = await silentStub();
    const cancel = new AbortController();
    const conn = await WireConnection.open({ host: '127.0.0.1', port, tls: null }, 'test', 30000, cancel.signal);
    const asking = conn.metadata(['telemetry']);
    cancel.abort('judged');
    await expect(asking).rejects.toThrow(/cancelled/);
  });

  test('a signal already aborted never connects', async () => {
    const port = await silentStub();
    const before = held.length;
    await expect(WireConnection.open({ host: '127.0.0.1', port, tls: null }, 'test', 30000, AbortSignal.abort('judged'))).rejects.toMatchObject({
      code: 'ECANCELED',
    });
    // A connection made after it is accepted after anything it made: once that one is in, there is that one alone.
    const probe = connect({ host: '127.0.0.1', port });
    try {
      await expect.poll(() => held.length, { timeout: 5000 }).toBeGreaterThan(before);
      expect(held.length).toBe(before + 1);
    } finally {
      probe.destroy();
    }
  });
});
