// Single connectivity probes of one address (DNS lookup, TCP connect, TLS handshake and the certificate's verdict), each bounded.
import { promises as dns } from 'node:dns';
import { connect as netConnect, isIP } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { EndpointConfig } from '../inputs/config.js';
import type { BrokerAddress } from '../inputs/parsers.js';
import { DeadlineError, elapsedMs, withDeadline } from '../core/deadline.js';
import { tlsOptions } from '../kafka/client.js';
import type { Settings } from '../inputs/settings.js';

export type { Measured } from '../core/readable.js';

export function codedError(message: string, code: string): Error {
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
    socket.once('error', (e: Error) => {
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
    const { secureContext } = tlsOptions(config);
    const socket: TLSSocket = tlsConnect({
      host: address.host,
      port: address.port,
      servername: isIP(address.host) ? undefined : address.host,
      secureContext,
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
    socket.once('error', (e: Error) => {
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
    throw codedError(
      `certificate for ${host} (issuer "${facts.issuer}") is not trusted: ${facts.authorizationError}`,
      facts.authorizationError ?? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
  }
  if (hostnameError) {
    throw codedError(
      `certificate (subject "${facts.subject}") is not valid for ${host}: ${facts.hostnameError ?? facts.authorizationError}`,
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
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
