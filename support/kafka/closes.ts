// A kafkajs client's connections, watched for closes as they happen. kafkajs answers a request whose connection the
// endpoint closed only after it has connected again (TCP, TLS, SASL, metadata: 5-6 round trips), even with retries
// off; a check that judges the endpoint's answer (the size refusal) takes the close itself as that answer.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ISocketFactory, Producer } from 'kafkajs';

/** kafkajs' own keep-alive delay for its sockets. */
const KEEP_ALIVE_MS = 60_000;

export class ConnectionCloses {
  private readonly waiting = new Set<() => void>();

  /** kafkajs' socket factory (socketFactory), with every socket's close noted. */
  readonly socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect) : netConnect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_MS);
    socket.once('close', () => {
      const waiting = [...this.waiting];
      this.waiting.clear();
      for (const wake of waiting) wake();
    });
    return socket;
  };

  /**
   * `request` as the endpoint answered it: its own result, or, when one of the client's connections closes first, an
   * error as kafkajs names a closed connection (KafkaJSConnectionClosedError). A result that arrives with the close
   * (an error answer, then the close) still wins: it is given a turn of the event loop to settle first.
   */
  async answerOf<T>(request: Promise<T>): Promise<T> {
    let wake: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (wake = resolve));
    this.waiting.add(wake);
    // The request goes on after a close (kafkajs connects again before it gives up): its outcome is nobody's then.
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    const settled = request.then(
      (value) => void (outcome = { ok: true, value }),
      (error: unknown) => void (outcome = { ok: false, error }),
    );
    try {
      await Promise.race([settled, closed]);
      if (!outcome) await nextTurn();
    } finally {
      this.waiting.delete(wake);
    }
    if (!outcome) throw Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError', retriable: true });
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }
}

const WATCHED = new WeakMap<Producer, ConnectionCloses>();

/** Notes that `producer`'s client was made with `closes.socketFactory`. */
export function watchCloses(producer: Producer, closes: ConnectionCloses): void {
  WATCHED.set(producer, closes);
}

/** The close watch of a producer made with one, if any. */
export function closesOf(producer: Producer): ConnectionCloses | undefined {
  return WATCHED.get(producer);
}
