// Builds kafkajs clients the way Eventstream expects them: SASL_SSL, PLAIN, explicit bounded retries.
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { EndpointConfig } from '../inputs/config.js';
import { redact, registerSecret } from '../core/redact.js';
import type { Settings } from '../inputs/settings.js';
import { CONNECTION_STRING_USERNAME } from '../facts/eventstream.js';

export interface ClientOptions {
  /** Prefix of the client id; a random suffix keeps runs apart in broker logs. */
  readonly clientId: string;
  /** Overrides the configured password, e.g. to prove a wrong one is refused. */
  readonly password?: string;
  /** Called with each client-side throttle time the broker asks for (produce/fetch throttle_time_ms). */
  readonly onThrottle?: (ms: number) => void;
}

const THROTTLE = /^Client side throttling in effect for (\d+)ms/;

function logCreator(onThrottle?: (ms: number) => void) {
  const echo = process.env.READINESS_KAFKA_LOG === 'debug';
  return () =>
    ({ namespace, label, log }: LogEntry) => {
      const { message, ...extra } = log;
      if (onThrottle) {
        // kafkajs reports throttling only in a debug line; debug is on just to catch it.
        const m = THROTTLE.exec(message);
        if (m) onThrottle(Number(m[1]));
      }
      // kafkajs prints nothing of its own; with READINESS_KAFKA_LOG=debug its lines go to stderr, redacted.
      if (echo) process.stderr.write(`${redact(`[kafkajs ${label} ${namespace}] ${message} ${JSON.stringify(extra)}`)}\n`);
    };
}

const secureContexts = new Map<string, SecureContext>();

/**
 * The system's roots plus `ca`, built once per CA and shared by every connection: building a context from the ~140
 * system roots took 35-45 ms of CPU, on every connection of every client.
 */
function secureContextWith(ca: string): SecureContext {
  let context = secureContexts.get(ca);
  if (!context) {
    context = createSecureContext({ ca: [...rootCertificates, ca], minVersion: 'TLSv1.2' });
    secureContexts.set(ca, context);
  }
  return context;
}

/** TLS options: the system's roots plus the configured CA (one shared context per CA); verification always stays on. */
export function tlsOptions(config: Pick<EndpointConfig, 'ca'>): { secureContext?: SecureContext; rejectUnauthorized: true } {
  return config.ca ? { secureContext: secureContextWith(config.ca), rejectUnauthorized: true } : { rejectUnauthorized: true };
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function createKafka(
  config: Pick<EndpointConfig, 'brokers' | 'username' | 'password' | 'ca' | 'securityProtocol'>,
  settings: Settings,
  options: ClientOptions,
): Kafka {
  const password = options.password ?? config.password;
  registerSecret(password);
  const sasl: SASLOptions = { mechanism: 'plain', username: config.username, password };
  const kafkaConfig: KafkaConfig = {
    clientId: uniqueId(options.clientId),
    brokers: config.brokers.map((b) => `${b.host}:${b.port}`),
    // SASL_PLAINTEXT only ever reaches here for the Event Hubs emulator (config refuses it otherwise).
    ssl: config.securityProtocol === 'SASL_PLAINTEXT' ? false : tlsOptions(config),
    sasl,
    connectionTimeout: settings.KAFKA_CONNECT_TIMEOUT_MS,
    authenticationTimeout: settings.KAFKA_CONNECT_TIMEOUT_MS,
    requestTimeout: settings.KAFKA_REQUEST_TIMEOUT_MS,
    enforceRequestTimeout: true,
    // kafkajs swaps in 15 fast retries under NODE_ENV=test (Vitest sets it): always say what we want.
    retry: { retries: settings.KAFKA_RETRIES, initialRetryTime: 200, maxRetryTime: 2000, factor: 0.2, multiplier: 2 },
    logLevel: process.env.READINESS_KAFKA_LOG === 'debug' || options.onThrottle ? logLevel.DEBUG : logLevel.WARN,
    logCreator: logCreator(options.onThrottle),
  };
  return new Kafka(kafkaConfig);
}

export interface LocalBrokerClientOptions {
  readonly clientId: string;
  /** host:port of the local broker's listener. */
  readonly bootstrap: string;
  /** SASL_SSL as Eventstream clients log in: the broker's CA and a connection string (or key) as password. Absent: the internal PLAINTEXT listener. */
  readonly login?: { readonly caPem: string; readonly password: string };
  readonly connectionTimeout?: number;
  readonly requestTimeout?: number;
  /** kafkajs' own retries; 0 shows a refusal at once. */
  readonly retries?: number;
}

/** A quiet kafkajs client of the local Eventstream-shaped broker (harness, broker start-up, self tests); its keys are registered as secrets where they are made. */
export function localBrokerClient(options: LocalBrokerClientOptions): Kafka {
  const { login } = options;
  return new Kafka({
    clientId: options.clientId,
    brokers: [options.bootstrap],
    ...(login
      ? {
          ssl: { ca: [login.caPem], rejectUnauthorized: true },
          sasl: { mechanism: 'plain' as const, username: CONNECTION_STRING_USERNAME, password: login.password },
        }
      : {}),
    ...(options.connectionTimeout === undefined ? {} : { connectionTimeout: options.connectionTimeout }),
    ...(options.requestTimeout === undefined ? {} : { requestTimeout: options.requestTimeout }),
    ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
    logLevel: logLevel.NOTHING,
  });
}
