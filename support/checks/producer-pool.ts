// The checks' producers: one connected producer per connection, shared by the checks of a run in turn (they run one at
// a time in one worker), so each check no longer pays a connect (TCP, TLS, SASL, metadata: 6-8 round trips).
import { createHash } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { connectWithin, disconnectWithin } from '../core/deadline.js';
import type { ThrottleMeter } from '../core/stats.js';
import type { Connection } from '../inputs/config.js';
import type { Settings } from '../inputs/settings.js';
import { createKafka } from '../kafka/client.js';
import { createProducer } from '../kafka/produce.js';

type PoolConnection = Pick<Connection, 'brokers' | 'username' | 'password' | 'ca' | 'securityProtocol'>;

/** How a pooled producer sends: `retries` overrides READINESS_KAFKA_RETRIES (0: a refusal is not sent again). A connection has one producer per way. */
export interface SendWay {
  readonly retries?: number;
}

/** One connection's producer, and the throttle meter of the check using it now (the broker's throttle times go to that check only). */
class Pooled {
  meter: ThrottleMeter | undefined;
  readonly producer: Producer;
  /** The connect, started once; a failed one removes the producer from the pool. */
  readonly connected: Promise<void>;
  /** Set once the connect has failed. */
  failed = false;

  constructor(role: string, connection: PoolConnection, settings: Settings, way: SendWay) {
    const kafka = createKafka(connection, settings, { clientId: `readiness-${role}`, onThrottle: (ms) => this.meter?.add(ms) });
    this.producer = createProducer(kafka, settings, way);
    this.connected = connectWithin(this.producer, settings.KAFKA_CONNECT_TIMEOUT_MS * 2, 'producer connect');
    // Awaited by the check that acquires it; a warmed connect that fails before then is not an unhandled rejection.
    this.connected.catch(() => {
      this.failed = true;
    });
  }
}

/**
 * What identifies a pooled producer: where, as whom, with which key (hashed) and which CA, and how it sends; the
 * orders topic's is the main one's when equal.
 */
function poolKey(c: PoolConnection, way: SendWay): string {
  const secret = createHash('sha256')
    .update(`${c.username}\n${c.password}\n${c.ca ?? ''}`)
    .digest('hex');
  return `${c.securityProtocol}|${c.brokers.map((b) => `${b.host}:${b.port}`).join(',')}|${secret}|retries=${way.retries ?? 'default'}`;
}

export class ProducerPool {
  private readonly producers = new Map<string, Pooled>();

  /** How many connections have a producer in the pool (connected or connecting). */
  get size(): number {
    return this.producers.size;
  }

  /** Starts connecting each connection's producer (not yet pooled), so a later check finds it connected. */
  warm(connections: ReadonlyArray<{ readonly role: string; readonly connection: PoolConnection; readonly way?: SendWay }>, settings: Settings): void {
    for (const { role, connection, way } of connections) this.pooled(role, connection, settings, way ?? {});
  }

  private pooled(role: string, connection: PoolConnection, settings: Settings, way: SendWay): Pooled {
    const key = poolKey(connection, way);
    let pooled = this.producers.get(key);
    if (!pooled) {
      pooled = new Pooled(role, connection, settings, way);
      this.producers.set(key, pooled);
    }
    return pooled;
  }

  /**
   * The connected producer of this connection, for the check that passes `meter`; connected on first use within the
   * connect deadline. A connect that fails is thrown to that check, and the next check tries afresh. A connect started
   * ahead (warm) that had already failed when the check came did so outside any check's time: that check connects
   * afresh instead (one connect, one bound, as if nothing had been started ahead).
   */
  async acquire(
    role: string,
    connection: PoolConnection,
    settings: Settings,
    meter: ThrottleMeter,
    way: SendWay = {},
  ): Promise<{ producer: Producer; release: () => void }> {
    let current = this.pooled(role, connection, settings, way);
    if (current.failed) {
      await this.discard(current.producer);
      current = this.pooled(role, connection, settings, way);
    }
    try {
      await current.connected;
    } catch (error) {
      await this.discard(current.producer);
      throw error;
    }
    current.meter = meter;
    return {
      producer: current.producer,
      release: () => {
        if (current.meter === meter) current.meter = undefined;
      },
    };
  }

  /** Whether this connection's producer (started ahead) has failed to connect: the next acquire connects afresh. */
  failedAhead(connection: PoolConnection, way: SendWay = {}): boolean {
    return this.producers.get(poolKey(connection, way))?.failed === true;
  }

  /** Disconnects a producer and forgets it (after a failed check: the next check starts on a fresh connection). */
  async discard(producer: Producer): Promise<void> {
    const key = [...this.producers].find(([, pooled]) => pooled.producer === producer)?.[0];
    if (key === undefined) return;
    this.producers.delete(key);
    await disconnectWithin(producer, 5000);
  }

  /** Disconnects every producer (bounded): at the end of the worker. */
  async close(): Promise<void> {
    const all = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(all.map((p) => disconnectWithin(p.producer, 5000)));
  }
}
