// Parses one endpoint value at a time (port, bootstrap, connection string, topic, username, password, CA file, protocol): each problem names its variable.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONNECTION_STRING_USERNAME, EVENTSTREAM_PORT } from '../facts/eventstream.js';
import type { Env } from './settings.js';

/** FABRIC_KAFKA_PORT's default: Event Hubs' Kafka port. */
export const DEFAULT_PORT = EVENTSTREAM_PORT;

export { CONNECTION_STRING_USERNAME };

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

export const SECURITY_PROTOCOLS = ['SASL_SSL', 'SASL_PLAINTEXT'] as const;

export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/**
 * FABRIC_KAFKA_SECURITY_PROTOCOL: SASL_SSL unless set. Eventstream speaks TLS only; SASL_PLAINTEXT is accepted only
 * with connection strings that say UseDevelopmentEmulator=true (Microsoft's Event Hubs emulator), never otherwise.
 */
export function checkSecurityProtocol(
  env: Env,
  connectionStrings: ReadonlyArray<{ variable: string; info?: ConnectionStringInfo }>,
): { protocol: SecurityProtocol; problem?: ConfigProblem } {
  const variable = 'FABRIC_KAFKA_SECURITY_PROTOCOL';
  const raw = env[variable]?.trim().toUpperCase() || 'SASL_SSL';
  if (!(SECURITY_PROTOCOLS as readonly string[]).includes(raw)) {
    return {
      protocol: 'SASL_SSL',
      problem: { variable, expected: 'SASL_SSL (Eventstream), or SASL_PLAINTEXT for the Event Hubs emulator only', found: JSON.stringify(env[variable]) },
    };
  }
  const protocol = raw as SecurityProtocol;
  const notEmulator = connectionStrings.filter((c) => !c.info?.developmentEmulator).map((c) => c.variable);
  if (protocol === 'SASL_PLAINTEXT' && notEmulator.length > 0) {
    return {
      protocol,
      problem: {
        variable,
        expected:
          'SASL_SSL: Eventstream accepts TLS only. SASL_PLAINTEXT is for the Event Hubs emulator, whose connection string says UseDevelopmentEmulator=true',
        found: `SASL_PLAINTEXT with ${notEmulator.join(', ')} lacking UseDevelopmentEmulator=true`,
      },
    };
  }
  return { protocol };
}

export interface ConnectionStringInfo {
  readonly endpointHost: string;
  readonly keyName: string;
  readonly entityPath?: string;
  /** UseDevelopmentEmulator=true: the Event Hubs emulator, the one endpoint that speaks SASL_PLAINTEXT. */
  readonly developmentEmulator: boolean;
}

/** One malformed or missing setting: the variable, the form expected, and what was found (never a secret). */
export interface ConfigProblem {
  readonly variable: string;
  readonly expected: string;
  readonly found: string;
  /** 'entity-path': a key scoped to one event hub, used for another topic (judged by READINESS_ENTITY_PATH_CHECK). */
  readonly kind?: 'entity-path';
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.variable}: expected ${p.expected}; found ${p.found}`;
}

const HOST = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

const IPV6 = /^[0-9A-Fa-f:.]+$/;

export const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

const BOOTSTRAP_FORM = 'host, host:port, or a comma-separated list of them (e.g. myns.servicebus.windows.net:9093)';

export function parsePort(raw: string | undefined, variable: string): { port?: number; problem?: ConfigProblem } {
  if (raw === undefined || raw.trim() === '') return { port: DEFAULT_PORT };
  const text = raw.trim();
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    return { problem: { variable, expected: 'a TCP port from 1 to 65535', found: JSON.stringify(text) } };
  }
  return { port };
}

/** Parses a bootstrap list; `defaultPort` applies to entries without a port. */
export function parseBootstrap(
  raw: string | undefined,
  defaultPort: number,
  variable = 'FABRIC_KAFKA_BOOTSTRAP',
): { brokers: BrokerAddress[]; problems: ConfigProblem[] } {
  if (raw === undefined || raw.trim() === '') {
    return { brokers: [], problems: [{ variable, expected: BOOTSTRAP_FORM, found: 'it is missing or empty' }] };
  }
  const brokers: BrokerAddress[] = [];
  const problems: ConfigProblem[] = [];
  for (const part of raw.split(',')) {
    const entry = part.trim();
    const bad = (why: string) => problems.push({ variable, expected: BOOTSTRAP_FORM, found: `${JSON.stringify(entry)} (${why})` });
    if (entry === '') {
      bad('an empty entry in the list');
      continue;
    }
    if (/^[a-z][a-z0-9+._-]*:\/\//i.test(entry)) {
      bad('a URL scheme; give the host name only, as shown on the Eventstream Kafka tab');
      continue;
    }
    let host: string;
    let portText: string | undefined;
    const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
    if (v6) {
      // kafkajs splits each bootstrap entry on ':' ('::1:9093' becomes host '' and a port of NaN): an IPv6 literal
      // would pass here and fail at the first login with a misleading error. Eventstream's bootstrap is a host name.
      bad(
        IPV6.test(v6[1] ?? '')
          ? 'an IPv6 address, which the Kafka client (kafkajs) cannot connect to by address; give a host name that resolves to it'
          : 'not an IPv6 address in brackets',
      );
      continue;
    } else {
      const pieces = entry.split(':');
      if (pieces.length > 2) {
        bad('more than one colon (an IPv6 address? the Kafka client cannot connect to one by address; give a host name)');
        continue;
      }
      host = pieces[0] ?? '';
      portText = pieces[1];
      if (!HOST.test(host)) {
        bad('not a valid host name');
        continue;
      }
    }
    if (portText === undefined) {
      brokers.push({ host, port: defaultPort });
      continue;
    }
    const { port } = parsePort(portText === '' ? '-' : portText, variable);
    if (port === undefined) {
      bad('the port is not a number from 1 to 65535');
      continue;
    }
    brokers.push({ host, port });
  }
  return { brokers, problems };
}

const CONNECTION_STRING_FORM =
  'an Eventstream connection string: Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=<name>;SharedAccessKey=<key>[;EntityPath=<name>]';

/** Checks the shape of a connection string; reports which parts are missing, never their values. */
export function parseConnectionString(raw: string, variable = 'FABRIC_KAFKA_PASSWORD'): { info?: ConnectionStringInfo; problem?: ConfigProblem } {
  const parts = new Map<string, string>();
  for (const segment of raw.trim().split(';')) {
    if (segment.trim() === '') continue;
    const eq = segment.indexOf('=');
    if (eq <= 0) continue;
    parts.set(segment.slice(0, eq).trim().toLowerCase(), segment.slice(eq + 1).trim());
  }
  const missing = ['Endpoint', 'SharedAccessKeyName', 'SharedAccessKey'].filter((name) => !parts.get(name.toLowerCase()));
  const endpoint = parts.get('endpoint') ?? '';
  const endpointMatch = /^sb:\/\/([^/;]+)\/?$/i.exec(endpoint);
  const problem = (why: string): { problem: ConfigProblem } => ({
    problem: { variable, expected: CONNECTION_STRING_FORM, found: `a value ${why} (value not shown)` },
  });
  if (missing.length > 0) return problem(`without ${missing.join(', ')}`);
  if (!endpointMatch) return problem('whose Endpoint is not of the form sb://<host>/');
  return {
    info: {
      endpointHost: endpointMatch[1] ?? '',
      keyName: parts.get('sharedaccesskeyname') ?? '',
      entityPath: parts.get('entitypath') || undefined,
      developmentEmulator: parts.get('usedevelopmentemulator')?.toLowerCase() === 'true',
    },
  };
}

export function checkTopic(env: Env, variable: 'FABRIC_TOPIC_TELEMETRY' | 'FABRIC_TOPIC_ORDERS'): ConfigProblem | undefined {
  const raw = env[variable]?.trim();
  const expected = 'a Kafka topic name: 1-249 characters of letters, digits, ".", "_" or "-" (the Eventstream topic or EntityPath)';
  if (!raw) return { variable, expected, found: 'it is missing or empty' };
  if (!TOPIC.test(raw)) return { variable, expected, found: JSON.stringify(raw) };
  return undefined;
}

export function checkUsername(env: Env, variable = 'FABRIC_KAFKA_USERNAME'): ConfigProblem | undefined {
  const raw = env[variable];
  const expected = `the literal ${CONNECTION_STRING_USERNAME} for Eventstream (or another SASL/PLAIN user name)`;
  if (raw === undefined || raw.trim() === '') {
    return {
      variable,
      expected,
      found: `it is missing or empty (a shell expands "${CONNECTION_STRING_USERNAME}" in double quotes to nothing: use single quotes)`,
    };
  }
  if (raw.trim() === 'ConnectionString') {
    return { variable, expected, found: '"ConnectionString" without the leading $ (quote the value with single quotes so the shell keeps the $)' };
  }
  return undefined;
}

export function checkPassword(
  password: string | undefined,
  username: string | undefined,
  variable = 'FABRIC_KAFKA_PASSWORD',
): { problem?: ConfigProblem; info?: ConnectionStringInfo } {
  if (password === undefined || password.trim() === '') {
    return {
      problem: { variable, expected: 'the connection string (primary or secondary key) from the Eventstream Kafka tab', found: 'it is missing or empty' },
    };
  }
  if (username?.trim() === CONNECTION_STRING_USERNAME) return parseConnectionString(password, variable);
  return {};
}

export function readCa(env: Env, cwd: string): { ca?: string; caFile?: string; problem?: ConfigProblem } {
  const raw = env.FABRIC_KAFKA_CA_FILE?.trim();
  if (!raw) return {};
  const variable = 'FABRIC_KAFKA_CA_FILE';
  const expected = 'the path of a PEM file with one or more CA certificates (-----BEGIN CERTIFICATE-----)';
  const caFile = resolve(cwd, raw);
  if (!existsSync(caFile)) return { problem: { variable, expected, found: `no file at ${caFile}` } };
  const ca = readFileSync(caFile, 'utf8');
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) return { problem: { variable, expected, found: `${caFile}, which holds no PEM certificate` } };
  return { ca, caFile };
}
