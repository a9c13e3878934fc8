// Staged connectivity probes (DNS, TCP, TLS, SASL, metadata, brokers, topics), each with its own verdict.
import { promises as dns } from 'node:dns';
import { connect as netConnect, isIP } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { Admin } from 'kafkajs';
import { describeEndpoint, type BrokerAddress, type EndpointConfig } from './config.js';
import { DeadlineError, elapsedMs, withDeadline } from './deadline.js';
import { diagnose, type Diagnosis } from './diagnosis.js';
import type { Measured } from './format.js';
import { createKafka, tlsOptions } from './kafka.js';
import type { Settings } from './settings.js';

export type { Measured } from './format.js';

export const STAGES = ['dns', 'tcp', 'tls', 'sasl', 'metadata', 'brokers', 'topics'] as const;
export type StageName = (typeof STAGES)[number];

export const STAGE_TITLES: Record<StageName, string> = {
  dns: 'DNS: every bootstrap host name resolves',
  tcp: 'TCP: the bootstrap port accepts connections',
  tls: 'TLS: the certificate is trusted, matches the host, uses TLS 1.2+ and is not near expiry',
  sasl: 'SASL: the endpoint accepts the PLAIN login',
  metadata: 'Metadata: the endpoint lists its brokers',
  brokers: 'Brokers: every advertised broker address is reachable from this runner',
  topics: 'Topics: the configured telemetry and orders topics exist',
};

export interface StageResult {
  readonly stage: StageName;
  readonly status: 'pass' | 'fail' | 'not-run';
  /** One line: what was measured, or why it failed or did not run. */
  readonly message: string;
  readonly measured: Measured;
  readonly thresholds: Measured;
  readonly warnings: string[];
  readonly diagnosis?: Diagnosis;
  readonly durationMs: number;
}

class StageFailure extends Error {
  constructor(
    message: string,
    readonly measured: Measured,
    readonly diagnosis: Diagnosis,
  ) {
    super(message);
  }
}

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

export async function probeDns(host: string, settings: Settings): Promise<{ addresses: string[]; ms: number }> {
  if (isIP(host)) return { addresses: [host], ms: 0 };
  const start = performance.now();
  const found = await withDeadline(dns.lookup(host, { all: true }), settings.DNS_TIMEOUT_MS, `DNS lookup of ${host}`).catch((e: unknown) => {
    throw e instanceof DeadlineError ? codedError(e.message, 'EAI_AGAIN') : e;
  });
  return { addresses: found.map((a) => a.address), ms: elapsedMs(start) };
}

export function probeTcp(address: BrokerAddress, settings: Settings): Promise<{ ms: number }> {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const socket = netConnect({ host: address.host, port: address.port });
    socket.setTimeout(settings.TCP_TIMEOUT_MS, () => {
      socket.destroy();
      reject(codedError(`TCP connect to ${address.host}:${address.port} got no answer within ${settings.TCP_TIMEOUT_MS} ms`, 'ETCPTIMEOUT'));
    });
    socket.once('connect', () => {
      const ms = elapsedMs(start);
      socket.destroy();
      resolvePromise({ ms });
    });
    socket.once('error', (e) => {
      socket.destroy();
      reject(e);
    });
  });
}

export interface TlsFacts {
  readonly protocol: string;
  readonly authorized: boolean;
  readonly authorizationError?: string;
  readonly hostnameMatches: boolean;
  readonly hostnameError?: string;
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
  readonly daysToExpiry: number;
  readonly handshakeMs: number;
}

/**
 * Completes a TLS handshake without rejecting, so each property (trust, hostname, expiry) gets its own
 * verdict. Nothing is sent over this socket; Kafka clients always connect with verification on.
 */
export function probeTlsFacts(address: BrokerAddress, config: Pick<EndpointConfig, 'ca'>, settings: Settings): Promise<TlsFacts> {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const { ca } = tlsOptions(config);
    const socket: TLSSocket = tlsConnect({
      host: address.host,
      port: address.port,
      servername: isIP(address.host) ? undefined : address.host,
      ca,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    });
    socket.setTimeout(settings.TLS_TIMEOUT_MS, () => {
      socket.destroy();
      reject(codedError(`TLS handshake with ${address.host}:${address.port} got no answer within ${settings.TLS_TIMEOUT_MS} ms`, 'ETLSTIMEOUT'));
    });
    socket.once('secureConnect', () => {
      const handshakeMs = elapsedMs(start);
      const cert: PeerCertificate = socket.getPeerCertificate();
      const identity = checkServerIdentity(address.host, cert);
      const validTo = new Date(cert.valid_to);
      const facts: TlsFacts = {
        protocol: socket.getProtocol() ?? 'unknown',
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
        hostnameMatches: identity === undefined,
        hostnameError: identity?.message,
        subject: String(cert.subject?.CN ?? ''),
        issuer: String(cert.issuer?.CN ?? cert.issuer?.O ?? ''),
        validTo: Number.isNaN(validTo.getTime()) ? String(cert.valid_to) : validTo.toISOString(),
        daysToExpiry: Math.floor((validTo.getTime() - Date.now()) / 86_400_000),
        handshakeMs,
      };
      socket.destroy();
      resolvePromise(facts);
    });
    socket.once('error', (e) => {
      socket.destroy();
      reject(e);
    });
  });
}

/** Judges TLS facts against the thresholds; throws a coded error for the first property that fails. */
export function judgeTls(facts: TlsFacts, host: string, settings: Settings): { warnings: string[] } {
  const hostnameError = facts.authorizationError === 'ERR_TLS_CERT_ALTNAME_INVALID' || !facts.hostnameMatches;
  if (facts.authorizationError === 'CERT_HAS_EXPIRED' || facts.daysToExpiry < 0) {
    throw codedError(`certificate for ${host} expired on ${facts.validTo}`, 'CERT_HAS_EXPIRED');
  }
  if (!facts.authorized && !hostnameError) {
    throw codedError(`certificate for ${host} (issuer "${facts.issuer}") is not trusted: ${facts.authorizationError}`, facts.authorizationError ?? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  }
  if (hostnameError) {
    throw codedError(`certificate (subject "${facts.subject}") is not valid for ${host}: ${facts.hostnameError ?? facts.authorizationError}`, 'ERR_TLS_CERT_ALTNAME_INVALID');
  }
  if (!/^TLSv1\.[23]$/.test(facts.protocol)) throw codedError(`negotiated ${facts.protocol}, expected TLS 1.2 or newer`, 'ERR_SSL_UNSUPPORTED_PROTOCOL');
  if (facts.daysToExpiry < settings.TLS_CERT_FAIL_DAYS) {
    throw codedError(`certificate for ${host} has ${facts.daysToExpiry} days to expiry (fails under ${settings.TLS_CERT_FAIL_DAYS})`, 'CERT_NEAR_EXPIRY');
  }
  const warnings =
    facts.daysToExpiry < settings.TLS_CERT_WARN_DAYS
      ? [`certificate for ${host} expires in ${facts.daysToExpiry} days (warning under ${settings.TLS_CERT_WARN_DAYS})`]
      : [];
  return { warnings };
}

export interface PreflightOptions {
  readonly settings: Settings;
  /** Called as each stage ends, so a caller can show progress. */
  readonly onStage?: (result: StageResult) => void;
}

export interface Preflight {
  readonly endpoint: string;
  readonly stages: StageResult[];
  /** Whether every stage passed: later checks only make sense then. */
  readonly ok: boolean;
  /** The first stage that failed, if any. */
  readonly failedStage?: StageName;
}

interface StageOutcome {
  readonly message: string;
  readonly measured: Measured;
  readonly thresholds?: Measured;
  readonly warnings?: string[];
}

/**
 * Runs the stages in order against the endpoint; after the first failure the rest are "not-run"
 * with the reason, so a dead endpoint is judged within a few timeouts rather than many.
 */
export async function runPreflight(config: EndpointConfig, options: PreflightOptions): Promise<Preflight> {
  const { settings } = options;
  const endpoint = describeEndpoint(config);
  const stages: StageResult[] = [];
  let failed: StageName | undefined;
  let admin: Admin | undefined;
  const first = config.brokers[0];
  if (!first) throw new Error('runPreflight needs at least one broker');
  let advertised: BrokerAddress[] = [];

  const run = async (stage: StageName, body: () => Promise<StageOutcome>): Promise<void> => {
    const start = performance.now();
    let result: StageResult;
    if (failed) {
      result = {
        stage,
        status: 'not-run',
        message: `not run: ${STAGE_TITLES[failed].split(':')[0]} failed first`,
        measured: {},
        thresholds: {},
        warnings: [],
        durationMs: 0,
      };
    } else {
      try {
        const outcome = await body();
        result = { stage, status: 'pass', thresholds: {}, warnings: [], ...outcome, durationMs: elapsedMs(start) };
      } catch (error) {
        failed = stage;
        const diagnosis = error instanceof StageFailure ? error.diagnosis : diagnose(error);
        result = {
          stage,
          status: 'fail',
          message: error instanceof StageFailure ? error.message : diagnosis.detail,
          measured: error instanceof StageFailure ? error.measured : {},
          thresholds: {},
          warnings: [],
          diagnosis,
          durationMs: elapsedMs(start),
        };
      }
    }
    stages.push(result);
    options.onStage?.(result);
  };

  await run('dns', async () => {
    const measured: Measured = {};
    for (const host of new Set(config.brokers.map((b) => b.host))) {
      const r = await probeDns(host, settings);
      measured[`${host} addresses`] = r.addresses.join(' ');
      measured[`${host} lookup ms`] = r.ms;
    }
    return { message: `resolved ${Object.keys(measured).length / 2} host(s)`, measured };
  });

  await run('tcp', async () => {
    const measured: Measured = {};
    for (const b of config.brokers) {
      const { ms } = await probeTcp(b, settings);
      measured[`${b.host}:${b.port} connect ms`] = ms;
      if (ms > settings.TCP_MAX_CONNECT_MS) {
        throw new StageFailure(`TCP connect to ${b.host}:${b.port} took ${ms} ms, over the ${settings.TCP_MAX_CONNECT_MS} ms limit`, measured, {
          ...diagnose(codedError('slow connect', 'ETIMEDOUT')),
          detail: `connect took ${ms} ms`,
        });
      }
    }
    return { message: `connected to ${config.brokers.length} bootstrap address(es)`, measured, thresholds: { 'max connect ms': settings.TCP_MAX_CONNECT_MS } };
  });

  await run('tls', async () => tlsStage(config.brokers, config, settings));

  await run('sasl', async () => {
    const start = performance.now();
    admin = createKafka(config, settings, { clientId: 'readiness-preflight' }).admin();
    const a = admin;
    await withDeadline(a.connect(), settings.KAFKA_CONNECT_TIMEOUT_MS * 2, 'SASL login and first metadata request');
    return {
      message: `logged in as ${config.username === '$ConnectionString' ? '$ConnectionString' : 'the configured user'}`,
      measured: { 'login ms': elapsedMs(start), mechanism: 'PLAIN', 'key name': config.connectionString?.keyName ?? '' },
    };
  });

  await run('metadata', async () => {
    const a = admin as Admin;
    const cluster = await withDeadline(a.describeCluster(), settings.KAFKA_REQUEST_TIMEOUT_MS, 'metadata (describeCluster) request');
    advertised = cluster.brokers.map((b) => ({ host: b.host, port: b.port }));
    if (advertised.length === 0) {
      throw new StageFailure('the endpoint listed no brokers', { brokers: 0 }, diagnose(new Error('metadata listed no brokers')));
    }
    return {
      message: `${advertised.length} broker(s) advertised`,
      measured: { brokers: advertised.length, advertised: advertised.map((b) => `${b.host}:${b.port}`).join(' '), controller: cluster.controller ?? -1 },
    };
  });

  await run('brokers', async () => {
    const measured: Measured = {};
    const results = await Promise.allSettled(
      advertised.map(async (b) => {
        await probeDns(b.host, settings);
        const facts = await withDeadline(probeTlsFacts(b, config, settings), settings.TLS_TIMEOUT_MS + 500, `TLS handshake with ${b.host}:${b.port}`);
        judgeTls(facts, b.host, settings);
        measured[`${b.host}:${b.port} handshake ms`] = facts.handshakeMs;
      }),
    );
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ broker: advertised[i], error: r.reason as unknown }] : []));
    const firstFailure = failures[0];
    if (firstFailure) {
      const d = diagnose(firstFailure.error);
      const names = failures.map((f) => `${f.broker?.host}:${f.broker?.port}`).join(', ');
      throw new StageFailure(
        `${failures.length} of ${advertised.length} advertised broker(s) unreachable from this runner (${names}): ${d.detail}`,
        { ...measured, unreachable: failures.length, advertised: advertised.length },
        { ...d, hint: `the bootstrap answers but the brokers it advertises do not; ${d.hint}` },
      );
    }
    return { message: `all ${advertised.length} advertised broker(s) reachable`, measured };
  });

  await run('topics', async () => {
    const a = admin as Admin;
    const measured: Measured = {};
    for (const [role, topic] of [
      ['telemetry', config.topics.telemetry],
      ['orders', config.topics.orders],
    ] as const) {
      try {
        const md = await withDeadline(a.fetchTopicMetadata({ topics: [topic] }), settings.KAFKA_REQUEST_TIMEOUT_MS, `metadata for topic ${topic}`);
        measured[`${role} topic`] = topic;
        measured[`${role} partitions`] = md.topics[0]?.partitions.length ?? 0;
      } catch (error) {
        const d = diagnose(error);
        throw new StageFailure(`${role} topic "${topic}": ${d.detail}`, measured, d);
      }
    }
    return {
      message: `telemetry "${config.topics.telemetry}" has ${measured['telemetry partitions']} partition(s), orders "${config.topics.orders}" has ${measured['orders partitions']}`,
      measured,
    };
  });

  if (admin) {
    const a = admin;
    await withDeadline(a.disconnect(), 3000, 'admin disconnect').catch(() => undefined);
  }
  return { endpoint, stages, ok: failed === undefined, failedStage: failed };
}

async function tlsStage(brokers: readonly BrokerAddress[], config: EndpointConfig, settings: Settings): Promise<StageOutcome> {
  const measured: Measured = {};
  const warnings: string[] = [];
  for (const b of brokers) {
    const facts = await withDeadline(probeTlsFacts(b, config, settings), settings.TLS_TIMEOUT_MS + 500, `TLS handshake with ${b.host}:${b.port}`);
    const prefix = brokers.length > 1 ? `${b.host}:${b.port} ` : '';
    const facts0 = {
      protocol: facts.protocol,
      'certificate subject': facts.subject,
      'certificate issuer': facts.issuer,
      'valid to': facts.validTo,
      'days to expiry': facts.daysToExpiry,
      'handshake ms': facts.handshakeMs,
      trusted: facts.authorized,
      'hostname matches': facts.hostnameMatches,
    };
    for (const [k, v] of Object.entries(facts0)) measured[`${prefix}${k}`] = v;
    try {
      warnings.push(...judgeTls(facts, b.host, settings).warnings);
    } catch (error) {
      throw new StageFailure(`${(error as Error).message}`, measured, diagnose(error));
    }
  }
  const first = brokers.length > 1 ? `${brokers[0]?.host}:${brokers[0]?.port} ` : '';
  return {
    message: `${measured[`${first}protocol`]}, trusted, hostname matches, ${measured[`${first}days to expiry`]} days to expiry (${brokers.length} host(s))`,
    measured,
    thresholds: { 'min protocol': 'TLSv1.2', 'fail under days': settings.TLS_CERT_FAIL_DAYS, 'warn under days': settings.TLS_CERT_WARN_DAYS },
    warnings,
  };
}
