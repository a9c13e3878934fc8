// The close watch of a kafkajs client's sockets: a request is answered by its own result, by the close of a connection
// while it waits (as kafkajs names a closed connection, diagnosed connection-lost), and an answer that comes with the
// close wins over the close. Real sockets on loopback; the request stands for kafkajs' send.
import { createServer, type Server, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { afterAll, describe, expect, test } from 'vitest';
import { ConnectionCloses } from '../../../support/kafka/closes.js';
import { diagnose } from '../../../support/kafka/diagnosis.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** A loopback server handing each accepted connection to `onSocket`. */
async function server(onSocket: (s: Socket) => void): Promise<number> {
  const srv = createServer(onSocket);
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as { port: number }).port;
}

/** A client socket made by the watch's factory (plaintext), once connected. */
async function connectThrough(closes: ConnectionCloses, port: number): Promise<Socket> {
  let socket: Socket | undefined;
  await new Promise<void>((onConnect) => {
    socket = closes.socketFactory({ host: '127.0.0.1', port, ssl: undefined as unknown as ConnectionOptions, onConnect });
  });
  // Read everything, as kafkajs does: an end is seen only once the data before it was read.
  socket?.resume();
  return socket as Socket;
}

function pending<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve: (v: T) => void = () => undefined;
  let reject: (e: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ConnectionCloses', () => {
  test('a request answered before any close gets its own result, and a later close changes nothing', async () => {
    const held: Socket[] = [];
    const port = await server((s) => held.push(s));
    const closes = new ConnectionCloses();
    const socket = await connectThrough(closes, port);
    const request = pending<string>();
    const answer = closes.answerOf(request.promise);
    request.resolve('acknowledged');
    await expect(answer).resolves.toBe('acknowledged');
    held.forEach((s) => s.destroy());
    await new Promise((r) => socket.once('close', r));
  });

  test('the endpoint closing the connection while the request waits is its answer: a closed connection, diagnosed connection-lost', async () => {
    const port = await server((s) => s.destroy());
    const closes = new ConnectionCloses();
    const request = pending<string>();
    const answer = closes.answerOf(request.promise);
    await connectThrough(closes, port);
    const error = await answer.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'KafkaJSConnectionClosedError', message: 'Closed connection' });
    expect(diagnose(error).failureClass).toBe('connection-lost');
    // The request went on (kafkajs connects again before it gives up): settling it later is harmless.
    request.reject(new Error('Closed connection'));
  });

  test('an error answer that settles with the close wins over the close', async () => {
    const port = await server((s) => s.end('answer'));
    const closes = new ConnectionCloses();
    const request = pending<string>();
    const answer = closes.answerOf(request.promise);
    const socket = await connectThrough(closes, port);
    // The answer came with the close and settles just after the close was seen (kafkajs passes an error answer
    // through several steps): it still decides.
    socket.once('close', () =>
      setImmediate(() =>
        request.reject(Object.assign(new Error('The request included a message larger than the max message size'), { type: 'MESSAGE_TOO_LARGE' })),
      ),
    );
    await expect(answer).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' });
  });
});
