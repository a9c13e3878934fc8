// A userspace TCP relay that holds every chunk a set number of ms in each direction, in order: a cloud round trip on loopback.
// This kernel has no netem, so the bench and the self tests put this in front of the broker's SASL_SSL listener,
// and the broker advertises the relay's port, so that every connection (bootstrap and per-broker) goes through it.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface DelayProxyOptions {
  /** Held this long in each direction: a round trip gains twice this. */
  readonly delayMs: number;
  /** Where connections go; may be given later with forwardTo (the broker's port is picked after the relay's). */
  readonly target?: { readonly host: string; readonly port: number };
  /** Address to listen on (default 127.0.0.1); the port is picked by the OS unless given. */
  readonly host?: string;
  readonly port?: number;
}

export interface DelayProxy {
  readonly host: string;
  readonly port: number;
  /** The current delay each way. */
  readonly delayMs: number;
  /** Changes the delay for data read from now on (data already held keeps its time): one broker, several delays. */
  setDelay(ms: number): void;
  /** Connections accepted so far (to prove traffic went through the relay). */
  readonly connections: number;
  /** Bytes relayed in each direction so far. */
  readonly bytes: { readonly up: number; readonly down: number };
  /** Sets where new connections go. */
  forwardTo(target: { readonly host: string; readonly port: number }): void;
  /** Stops listening and destroys every open connection. */
  stop(): Promise<void>;
}

/**
 * One direction of one connection: chunks are written to `to` once `delayMs` has passed since they were read
 * from `from`, in the order read. One timer per direction, for the oldest chunk: order cannot depend on how
 * the event loop orders equal timers. An end (FIN) is passed on only after the data before it.
 */
function delayedPipe(from: Socket, to: Socket, delay: () => number, count: (n: number) => void): void {
  const queue: Array<{ due: number; chunk: Buffer | null }> = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && (queue[0]?.due ?? Infinity) <= now + 0.5) {
      const { chunk } = queue.shift() as { due: number; chunk: Buffer | null };
      if (to.destroyed) return;
      if (chunk === null) to.end();
      else {
        count(chunk.length);
        to.write(chunk);
      }
    }
    schedule();
  };
  const schedule = () => {
    if (timer || queue.length === 0) return;
    timer = setTimeout(flush, Math.max(0, (queue[0]?.due ?? 0) - performance.now()));
  };
  const push = (chunk: Buffer | null) => {
    const delayMs = delay();
    // Never due before what is already queued: order holds even when the delay was just lowered.
    const due = Math.max(performance.now() + delayMs, queue[queue.length - 1]?.due ?? 0);
    queue.push({ due, chunk });
    if (delayMs === 0 && queue.length === 1) flush();
    else schedule();
  };
  from.on('data', (chunk: Buffer) => push(chunk));
  from.on('end', () => push(null));
  from.on('close', () => {
    // A reset (not a clean end) is passed on at once: the other side must not wait for data that will never come.
    if (from.errored) to.destroy();
  });
  to.on('close', () => {
    if (timer) clearTimeout(timer);
    queue.length = 0;
  });
}

/** One relayed connection: each direction delayed and counted; an error on either side or both ends close it. */
function relayBothWays(client: Socket, upstream: Socket, delay: () => number, bytes: { up: number; down: number }): void {
  // Data the client sends before the upstream connects is queued by the upstream socket itself.
  delayedPipe(client, upstream, delay, (n) => (bytes.up += n));
  delayedPipe(upstream, client, delay, (n) => (bytes.down += n));
  const closeBoth = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', closeBoth);
  upstream.on('error', closeBoth);
  // Once both directions have ended the connection is over.
  let ended = 0;
  const finished = () => ++ended === 2 && closeBoth();
  client.on('finish', finished);
  upstream.on('finish', finished);
}

export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const host = options.host ?? '127.0.0.1';
  let target = options.target;
  let delayMs = options.delayMs;
  const delay = () => delayMs;
  const sockets = new Set<Socket>();
  const bytes = { up: 0, down: 0 };
  let connections = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    connections++;
    track(client);
    if (!target) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    track(upstream);
    relayBothWays(client, upstream, delay, bytes);
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the delay relay has no address');
  return {
    host,
    port: address.port,
    get delayMs() {
      return delayMs;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    get connections() {
      return connections;
    },
    bytes,
    forwardTo(next) {
      target = next;
    },
    stop: () =>
      new Promise<void>((resolveStop) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolveStop());
      }),
  };
}
