// A minimal Kafka wire client for the preflight: SASL/PLAIN login and a Metadata request for named topics only.
// kafkajs asks for all topics in describeCluster(); an entity-scoped Event Hubs key may be refused or shown nothing
// there (azure-event-hubs-for-kafka #159), so the preflight speaks the three requests it needs itself.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext } from 'node:tls';

/** Kafka protocol error codes and names (the subset a client of Event Hubs can meet is in diagnosis.ts). */
export class KafkaProtocolError extends Error {
  constructor(
    readonly errorCode: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'KafkaProtocolError';
  }
}

const API = { metadata: 3, saslHandshake: 17, saslAuthenticate: 36 } as const;
// Versions inside what Event Hubs serves (Metadata up to v5) and what Kafka 4 still accepts.
const VERSION = { metadata: 4, saslHandshake: 1, saslAuthenticate: 0 } as const;

export class Writer {
  private readonly parts: Buffer[] = [];
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.push(b);
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const b = Buffer.from(v, 'utf8');
    return this.int16(b.length).push(b);
  }
  bytes(v: Buffer): this {
    return this.int32(v.length).push(v);
  }
  /** A nullable array: null is "all topics" in a Metadata request, which this client never sends. */
  array<T>(items: readonly T[] | null, write: (w: Writer, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }
  private push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export class Reader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  int8(): number {
    const v = this.buf.readInt8(this.offset);
    this.offset += 1;
    return v;
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  string(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const v = this.buf.toString('utf8', this.offset, this.offset + len);
    this.offset += len;
    return v;
  }
  bytes(): Buffer | null {
    const len = this.int32();
    if (len < 0) return null;
    const v = this.buf.subarray(this.offset, this.offset + len);
    this.offset += len;
    return v;
  }
  array<T>(read: (r: Reader) => T): T[] {
    const n = this.int32();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read(this));
    return out;
  }
}

/** Request framing: size, header v1 (api key, version, correlation id, client id), body. */
export function encodeRequest(apiKey: number, apiVersion: number, correlationId: number, clientId: string, body: Buffer): Buffer {
  const header = new Writer().int16(apiKey).int16(apiVersion).int32(correlationId).string(clientId).build();
  return Buffer.concat([new Writer().int32(header.length + body.length).build(), header, body]);
}

export interface MetadataBroker {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export interface MetadataTopic {
  readonly name: string;
  readonly errorCode: number;
  readonly partitions: number;
}

export interface MetadataResult {
  readonly brokers: MetadataBroker[];
  readonly controllerId: number;
  readonly topics: MetadataTopic[];
  readonly throttleMs: number;
}

export function encodeMetadataRequest(topics: readonly string[]): Buffer {
  if (topics.length === 0) throw new Error('a Metadata request here always names its topics (an empty list means all topics)');
  return new Writer()
    .array(topics, (w, t) => w.string(t))
    .int8(0) // allow_auto_topic_creation: false, as Eventstream does not create topics
    .build();
}

/** Metadata response v4: throttle, brokers, cluster id, controller, topics with their partitions. */
export function decodeMetadataResponse(body: Buffer): MetadataResult {
  const r = new Reader(body);
  const throttleMs = r.int32();
  const brokers = r.array((b) => {
    const nodeId = b.int32();
    const host = b.string() ?? '';
    const port = b.int32();
    b.string(); // rack
    return { nodeId, host, port };
  });
  r.string(); // cluster id
  const controllerId = r.int32();
  const topics = r.array((t) => {
    const errorCode = t.int16();
    const name = t.string() ?? '';
    t.int8(); // is_internal
    const partitions = t.array((p) => {
      p.int16();
      p.int32();
      p.int32();
      p.array((x) => x.int32());
      p.array((x) => x.int32());
      return 1;
    }).length;
    return { name, errorCode, partitions };
  });
  return { brokers, controllerId, topics, throttleMs };
}

/** PLAIN's initial response: authzid (empty), NUL, user, NUL, password (RFC 4616). */
export function plainAuthBytes(username: string, password: string): Buffer {
  return Buffer.from(`\0${username}\0${password}`, 'utf8');
}

export interface WireTarget {
  readonly host: string;
  readonly port: number;
  /** TLS with this context (the system's roots plus the configured CA; absent: the system's), verification on; null for the emulator's plaintext listener. */
  readonly tls: { readonly secureContext?: SecureContext } | null;
}

/** One connection, one request in flight at a time: enough for a preflight. */
export class WireConnection {
  private buffered = Buffer.alloc(0);
  private waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private correlationId = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly clientId: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.drain();
    });
    const fail = (e: Error) => {
      this.failure = e;
      this.waiting?.reject(e);
      this.waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(Object.assign(new Error('the endpoint closed the connection'), { code: 'ECONNRESET' })));
  }

  /**
   * Connects (and completes TLS); every wait is bounded by `timeoutMs`. `signal` cancels: the socket is destroyed,
   * while connecting or later, and whatever waits on it fails at once.
   */
  static open(target: WireTarget, clientId: string, timeoutMs: number, signal?: AbortSignal): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const cancelled = () => Object.assign(new Error(`cancelled: ${String(signal?.reason)}`), { code: 'ECANCELED' });
      if (signal?.aborted) {
        reject(cancelled());
        return;
      }
      const socket = target.tls
        ? tlsConnect({
            host: target.host,
            port: target.port,
            servername: isIP(target.host) ? undefined : target.host,
            secureContext: target.tls.secureContext,
            rejectUnauthorized: true,
            minVersion: 'TLSv1.2',
          })
        : netConnect({ host: target.host, port: target.port });
      socket.setTimeout(timeoutMs, () =>
        socket.destroy(Object.assign(new Error(`no answer from ${target.host}:${target.port} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
      socket.once(target.tls ? 'secureConnect' : 'connect', () => resolve(new WireConnection(socket, clientId)));
      socket.once('error', reject);
      if (!signal) return;
      const cancel = () => socket.destroy(cancelled());
      signal.addEventListener('abort', cancel, { once: true });
      socket.once('close', () => signal.removeEventListener('abort', cancel));
    });
  }

  private drain(): void {
    if (this.buffered.length < 4) return;
    const size = this.buffered.readInt32BE(0);
    if (this.buffered.length < 4 + size) return;
    const frame = this.buffered.subarray(4, 4 + size);
    this.buffered = this.buffered.subarray(4 + size);
    const waiting = this.waiting;
    this.waiting = undefined;
    // Skip the correlation id: one request is in flight at a time.
    waiting?.resolve(frame.subarray(4));
  }

  /** Sends one request and resolves to its response body. */
  request(apiKey: number, apiVersion: number, body: Buffer): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(encodeRequest(apiKey, apiVersion, ++this.correlationId, this.clientId, body));
    });
  }

  /** SaslHandshake v1 then SaslAuthenticate v0 with PLAIN; throws KafkaProtocolError on refusal. */
  async loginPlain(username: string, password: string): Promise<void> {
    const handshake = new Reader(await this.request(API.saslHandshake, VERSION.saslHandshake, new Writer().string('PLAIN').build()));
    const handshakeError = handshake.int16();
    const mechanisms = handshake.array((r) => r.string() ?? '');
    if (handshakeError !== 0) {
      throw new KafkaProtocolError(
        handshakeError,
        'UNSUPPORTED_SASL_MECHANISM',
        `the endpoint does not offer SASL PLAIN (it offers: ${mechanisms.join(', ') || 'none'})`,
      );
    }
    const auth = new Reader(await this.request(API.saslAuthenticate, VERSION.saslAuthenticate, new Writer().bytes(plainAuthBytes(username, password)).build()));
    const authError = auth.int16();
    const message = auth.string();
    if (authError !== 0)
      throw new KafkaProtocolError(authError, 'SASL_AUTHENTICATION_FAILED', `SASL PLAIN authentication failed: ${message ?? `error ${authError}`}`);
  }

  async metadata(topics: readonly string[]): Promise<MetadataResult> {
    return decodeMetadataResponse(await this.request(API.metadata, VERSION.metadata, encodeMetadataRequest(topics)));
  }

  close(): void {
    this.socket.destroy();
  }
}
