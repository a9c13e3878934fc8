// The delay relay (support/dev/delay-proxy.ts): holds data the set time in each direction, keeps order, passes ends on.
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { startDelayProxy, type DelayProxy } from '../../../support/dev/delay-proxy.js';

const WAIT_MS = 5000;

/** An echo server on a free loopback port; closes its side when the client ends. */
async function echoServer(): Promise<{ server: Server; port: number; ended: Promise<void>; stop(): Promise<void> }> {
  let sawEnd: () => void = () => undefined;
  const ended = new Promise<void>((r) => (sawEnd = r));
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', (c) => s.write(c));
    s.on('end', () => {
      sawEnd();
      s.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  const stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return { server, port: address.port, ended, stop };
}

function connected(port: number): Promise<Socket> {
  return new Promise((resolveSocket, reject) => {
    const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => resolveSocket(s));
    s.once('error', reject);
  });
}

/** Reads from `s` until `bytes` bytes came, bounded. */
function readBytes(s: Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolveRead, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => reject(new Error(`read ${got} of ${bytes} bytes within ${WAIT_MS} ms`)), WAIT_MS);
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= bytes) {
        clearTimeout(timer);
        resolveRead(Buffer.concat(chunks));
      }
    });
  });
}

const opened: Array<{ stop(): unknown }> = [];
afterEach(async () => {
  // Clients first, then relays, then servers: a server closes only once its connections are gone.
  for (const o of opened.splice(0).reverse()) await o.stop();
});

async function relayTo(delayMs: number): Promise<{ proxy: DelayProxy; ended: Promise<void> }> {
  const echo = await echoServer();
  opened.push(echo);
  const proxy = await startDelayProxy({ delayMs, target: { host: '127.0.0.1', port: echo.port } });
  opened.push(proxy);
  return { proxy, ended: echo.ended };
}

describe('the delay relay', () => {
  test('holds data the set time in each direction: an echo takes at least twice the delay', async () => {
    const { proxy } = await relayTo(40);
    const s = await connected(proxy.port);
    opened.push({ stop: () => s.destroy() });
    const start = performance.now();
    s.write('ping');
    const echoed = await readBytes(s, 4);
    // A lower bound only: the relay can never be faster than its delay, whatever the load on the machine.
    expect(performance.now() - start).toBeGreaterThanOrEqual(79);
    expect(echoed.toString()).toBe('ping');
    expect(proxy.connections).toBe(1);
    expect(proxy.bytes).toEqual({ up: 4, down: 4 });
  });

  test('keeps the order of many chunks written back to back, in both directions', async () => {
    const { proxy } = await relayTo(5);
    const s = await connected(proxy.port);
    opened.push({ stop: () => s.destroy() });
    const chunks = Array.from({ length: 200 }, (_, i) => Buffer.concat([Buffer.from(`${i}:`), randomBytes(1 + (i % 7) * 500)]));
    const sent = Buffer.concat(chunks);
    const reading = readBytes(s, sent.length);
    for (const c of chunks) s.write(c);
    expect((await reading).equals(sent)).toBe(true);
  });

  test('passes an end on after the data before it, and the connection closes', async () => {
    const { proxy, ended } = await relayTo(20);
    const s = await connected(proxy.port);
    const reading = readBytes(s, 5);
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.end('hello');
    expect((await reading).toString()).toBe('hello');
    await Promise.race([Promise.all([ended, closed]), new Promise((_, reject) => setTimeout(() => reject(new Error('no close')), WAIT_MS))]);
  });

  test('with no delay it relays at once; a target given later is used for new connections', async () => {
    const echo = await echoServer();
    opened.push(echo);
    const proxy = await startDelayProxy({ delayMs: 0 });
    opened.push(proxy);
    proxy.forwardTo({ host: '127.0.0.1', port: echo.port });
    const s = await connected(proxy.port);
    opened.push({ stop: () => s.destroy() });
    const reading = readBytes(s, 3);
    s.write('abc');
    expect((await reading).toString()).toBe('abc');
  });

  test('a refused upstream closes the client connection rather than leaving it open', async () => {
    const echo = await echoServer();
    const port = echo.port;
    await echo.stop();
    const proxy = await startDelayProxy({ delayMs: 10, target: { host: '127.0.0.1', port } });
    opened.push(proxy);
    const s = await connected(proxy.port);
    s.on('error', () => undefined);
    await Promise.race([
      new Promise<void>((r) => s.once('close', () => r())),
      new Promise((_, reject) => setTimeout(() => reject(new Error('client left open')), WAIT_MS)),
    ]);
  });
});
