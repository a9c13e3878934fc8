// Reads and validates the endpoint settings (FABRIC_* variables, .env files) into one typed config.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { Env } from './settings.js';
import { CONNECTION_STRING_USERNAME, EVENTSTREAM_PORT } from '../facts/eventstream.js';
import { checkFileSetting, PathSettingError } from './paths.js';
import { registerSecret } from '../core/redact.js';

/** Variables whose values are secret: they are registered for redaction as soon as they are read. */
export const SECRET_VARIABLES: readonly string[] = ['FABRIC_KAFKA_PASSWORD', 'FABRIC_ORDERS_PASSWORD', 'FABRIC_CONSUMER_PASSWORD', 'FABRIC_API_TOKEN'];

/** Points at one .env file to use instead of ./.env, e.g. .env.prod for a second Eventstream. */
export const ENV_FILE_VARIABLE = 'EVENTSTREAM_ENV_FILE';

/** FABRIC_KAFKA_PORT's default: Event Hubs' Kafka port. */
export const DEFAULT_PORT = EVENTSTREAM_PORT;
export { CONNECTION_STRING_USERNAME };

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/** One custom endpoint: where to connect and how to log in. */
export interface Connection {
  readonly brokers: readonly BrokerAddress[];
  readonly username: string;
  readonly password: string;
  /** PEM text of extra CAs to trust (TLS-intercepting proxies, the local broker's CA). */
  readonly ca?: string;
  readonly caFile?: string;
  /** Non-secret parts of the connection string, when the password is one. */
  readonly connectionString?: ConnectionStringInfo;
  /** The variables each value came from, for messages ("FABRIC_ORDERS_PASSWORD"). */
  readonly from: { readonly bootstrap: string; readonly username: string; readonly password: string };
  /** SASL_SSL (Eventstream) or SASL_PLAINTEXT (the Event Hubs emulator only). */
  readonly securityProtocol: SecurityProtocol;
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

/** The endpoint the checks use: the main connection (telemetry) and the orders topic's connection. */
export interface EndpointConfig extends Connection {
  readonly topics: { readonly telemetry: string; readonly orders: string };
  /** The orders topic's connection: its own custom endpoint (FABRIC_ORDERS_*), else the main one. */
  readonly orders: Connection;
}

/** Whether two connections log in to the same place with the same key (then one client serves both). */
export function sameConnection(a: Connection, b: Connection): boolean {
  return describeEndpoint(a) === describeEndpoint(b) && a.username === b.username && a.password === b.password;
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

export interface LoadedEnvironment {
  readonly env: Env;
  /** The .env file that was read, if any. */
  readonly file?: string;
  /** Variables whose value came from that file (the real environment did not set them). */
  readonly fromFile: ReadonlySet<string>;
}

/**
 * Merges the process environment with one .env file: EVENTSTREAM_ENV_FILE if set, else ./.env if present.
 * Real environment variables win over the file, as with dotenv's defaults.
 */
export function loadEnvironment(options: { cwd: string; env: Env }): LoadedEnvironment {
  const chosen = options.env[ENV_FILE_VARIABLE]?.trim();
  const path = chosen ? resolve(options.cwd, chosen) : resolve(options.cwd, '.env');
  // ./.env is optional; a chosen file must exist. Either must be a readable regular file (a FIFO would block).
  const unusable = checkFileSetting(ENV_FILE_VARIABLE, chosen || (existsSync(path) ? path : undefined), options.cwd, {
    what: 'the path of a readable .env file',
  });
  if (unusable) throw new PathSettingError([unusable]);
  const fromFile = existsSync(path) ? parseDotenv(readFileSync(path)) : {};
  const env: Env = { ...fromFile };
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;
  for (const name of SECRET_VARIABLES) registerSecret(env[name]);
  const taken = new Set(Object.keys(fromFile).filter((k) => options.env[k] === undefined));
  return { env, file: existsSync(path) ? path : undefined, fromFile: taken };
}

const HOST = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
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
      host = v6[1] ?? '';
      portText = v6[2];
      if (!IPV6.test(host)) {
        bad('not an IPv6 address in brackets');
        continue;
      }
    } else {
      const pieces = entry.split(':');
      if (pieces.length > 2) {
        bad('more than one colon; write IPv6 addresses in brackets');
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

function checkTopic(env: Env, variable: 'FABRIC_TOPIC_TELEMETRY' | 'FABRIC_TOPIC_ORDERS'): ConfigProblem | undefined {
  const raw = env[variable]?.trim();
  const expected = 'a Kafka topic name: 1-249 characters of letters, digits, ".", "_" or "-" (the Eventstream topic or EntityPath)';
  if (!raw) return { variable, expected, found: 'it is missing or empty' };
  if (!TOPIC.test(raw)) return { variable, expected, found: JSON.stringify(raw) };
  return undefined;
}

function checkUsername(env: Env, variable = 'FABRIC_KAFKA_USERNAME'): ConfigProblem | undefined {
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

function checkPassword(
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

function readCa(env: Env, cwd: string): { ca?: string; caFile?: string; problem?: ConfigProblem } {
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

/** The orders topic's own custom endpoint, when any FABRIC_ORDERS_* is set; each value falls back to the main one. */
export const ORDERS_VARIABLES = ['FABRIC_ORDERS_BOOTSTRAP', 'FABRIC_ORDERS_USERNAME', 'FABRIC_ORDERS_PASSWORD'] as const;

function ordersConnection(env: Env, main: Connection, defaultPort: number, problems: ConfigProblem[]): Connection {
  if (!ORDERS_VARIABLES.some((v) => env[v]?.trim())) return main;
  const pick = (own: string, fallback: string) =>
    env[own]?.trim() ? { variable: own, value: env[own]?.trim() ?? '' } : { variable: fallback, value: env[fallback]?.trim() ?? '' };
  const bootstrapFrom = pick('FABRIC_ORDERS_BOOTSTRAP', 'FABRIC_KAFKA_BOOTSTRAP');
  const passwordFrom = pick('FABRIC_ORDERS_PASSWORD', 'FABRIC_KAFKA_PASSWORD');
  // A second custom endpoint logs in as $ConnectionString too, unless told otherwise.
  const usernameFrom = env.FABRIC_ORDERS_USERNAME?.trim()
    ? { variable: 'FABRIC_ORDERS_USERNAME', value: env.FABRIC_ORDERS_USERNAME.trim() }
    : env.FABRIC_ORDERS_PASSWORD?.trim()
      ? { variable: 'FABRIC_ORDERS_USERNAME', value: CONNECTION_STRING_USERNAME }
      : { variable: 'FABRIC_KAFKA_USERNAME', value: main.username };
  const bootstrap =
    bootstrapFrom.variable === 'FABRIC_ORDERS_BOOTSTRAP'
      ? parseBootstrap(bootstrapFrom.value, defaultPort, 'FABRIC_ORDERS_BOOTSTRAP')
      : { brokers: [...main.brokers], problems: [] };
  problems.push(...bootstrap.problems);
  const password =
    passwordFrom.variable === 'FABRIC_ORDERS_PASSWORD'
      ? checkPassword(passwordFrom.value, usernameFrom.value, 'FABRIC_ORDERS_PASSWORD')
      : { info: main.connectionString };
  if (password.problem) problems.push(password.problem);
  return {
    brokers: bootstrap.brokers,
    username: usernameFrom.value,
    password: passwordFrom.value,
    ca: main.ca,
    caFile: main.caFile,
    connectionString: password.info,
    from: { bootstrap: bootstrapFrom.variable, username: usernameFrom.variable, password: passwordFrom.variable },
    securityProtocol: main.securityProtocol,
  };
}

const ENTITY_SETUPS =
  'On Eventstream one custom endpoint is one event hub: its key reaches its own topic only (TOPIC_AUTHORIZATION_FAILED elsewhere). ' +
  'Use one of: (1) the same topic for both checks (FABRIC_TOPIC_ORDERS equal to FABRIC_TOPIC_TELEMETRY); ' +
  "(2) a second custom endpoint for orders: FABRIC_ORDERS_BOOTSTRAP and FABRIC_ORDERS_PASSWORD from that endpoint's Kafka tab; " +
  '(3) a namespace-level key (a shared access policy on the Event Hubs namespace) whose connection string has no EntityPath';

/** A key scoped to one event hub (EntityPath) used for a topic with another name: refused by Event Hubs, caught here first. */
export function entityPathProblem(use: { passwordVariable: string; entityPath?: string; topicVariable: string; topic: string }): ConfigProblem | undefined {
  if (!use.entityPath || use.entityPath === use.topic) return undefined;
  return {
    variable: use.passwordVariable,
    kind: 'entity-path',
    expected: `a connection string whose EntityPath is the topic it is used for, or none. ${ENTITY_SETUPS}`,
    found: `EntityPath=${use.entityPath} (from ${use.passwordVariable}), used for ${use.topicVariable}=${use.topic}`,
  };
}

/** What the endpoint variables say, part by part, even where another part has a problem (the Environment checks show it). */
export interface EndpointParts {
  readonly brokers: readonly BrokerAddress[];
  readonly defaultPort: number;
  readonly username: string;
  readonly connectionString?: ConnectionStringInfo;
  /** FABRIC_ORDERS_* that are set, and the orders connection string's parts when it has its own. */
  readonly orders: { readonly own: readonly string[]; readonly connectionString?: ConnectionStringInfo };
  readonly securityProtocol: SecurityProtocol;
  readonly topics: { readonly telemetry: string; readonly orders: string };
  readonly caFile?: string;
}

export interface EndpointCheck {
  readonly config?: EndpointConfig;
  readonly parts: EndpointParts;
  readonly problems: ConfigProblem[];
  readonly entityProblems: ConfigProblem[];
}

/** Every problem with the endpoint variables, one entry per variable and fault, in a stable order. */
export function checkEndpointEnv(env: Env, cwd = process.cwd()): EndpointCheck {
  for (const name of SECRET_VARIABLES) registerSecret(env[name]);
  const problems: ConfigProblem[] = [];
  const port = parsePort(env.FABRIC_KAFKA_PORT, 'FABRIC_KAFKA_PORT');
  if (port.problem) problems.push(port.problem);
  const bootstrap = parseBootstrap(env.FABRIC_KAFKA_BOOTSTRAP, port.port ?? DEFAULT_PORT);
  problems.push(...bootstrap.problems);
  const username = checkUsername(env);
  if (username) problems.push(username);
  const password = checkPassword(env.FABRIC_KAFKA_PASSWORD, env.FABRIC_KAFKA_USERNAME);
  if (password.problem) problems.push(password.problem);
  for (const topic of ['FABRIC_TOPIC_TELEMETRY', 'FABRIC_TOPIC_ORDERS'] as const) {
    const p = checkTopic(env, topic);
    if (p) problems.push(p);
  }
  const ca = readCa(env, cwd);
  if (ca.problem) problems.push(ca.problem);
  const main: Omit<Connection, 'securityProtocol'> = {
    brokers: bootstrap.brokers,
    username: (env.FABRIC_KAFKA_USERNAME ?? '').trim(),
    password: (env.FABRIC_KAFKA_PASSWORD ?? '').trim(),
    ca: ca.ca,
    caFile: ca.caFile,
    connectionString: password.info,
    from: { bootstrap: 'FABRIC_KAFKA_BOOTSTRAP', username: 'FABRIC_KAFKA_USERNAME', password: 'FABRIC_KAFKA_PASSWORD' },
  };
  const security = checkSecurityProtocol(env, [{ variable: 'FABRIC_KAFKA_PASSWORD', info: password.info }]);
  if (security.problem && !password.problem) problems.push(security.problem);
  const orders = ordersConnection(env, { ...main, securityProtocol: security.protocol }, port.port ?? DEFAULT_PORT, problems);
  if (orders.from.password === 'FABRIC_ORDERS_PASSWORD') {
    const ordersSecurity = checkSecurityProtocol(env, [{ variable: 'FABRIC_ORDERS_PASSWORD', info: orders.connectionString }]);
    if (ordersSecurity.problem && orders.connectionString) problems.push(ordersSecurity.problem);
  }
  const topics = { telemetry: (env.FABRIC_TOPIC_TELEMETRY ?? '').trim(), orders: (env.FABRIC_TOPIC_ORDERS ?? '').trim() };
  const parts: EndpointParts = {
    brokers: bootstrap.brokers,
    defaultPort: port.port ?? DEFAULT_PORT,
    username: main.username,
    connectionString: password.info,
    orders: {
      own: ORDERS_VARIABLES.filter((v) => env[v]?.trim()),
      connectionString: orders.from.password === 'FABRIC_ORDERS_PASSWORD' ? orders.connectionString : undefined,
    },
    securityProtocol: security.protocol,
    topics,
    caFile: ca.caFile ?? (env.FABRIC_KAFKA_CA_FILE?.trim() || undefined),
  };
  if (problems.length > 0) return { parts, problems, entityProblems: [] };
  const entityProblems = [
    entityPathProblem({
      passwordVariable: main.from.password,
      entityPath: main.connectionString?.entityPath,
      topicVariable: 'FABRIC_TOPIC_TELEMETRY',
      topic: topics.telemetry,
    }),
    entityPathProblem({
      passwordVariable: orders.from.password,
      entityPath: orders.connectionString?.entityPath,
      topicVariable: 'FABRIC_TOPIC_ORDERS',
      topic: topics.orders,
    }),
  ].filter((p): p is ConfigProblem => p !== undefined);
  return { parts, problems, entityProblems, config: { ...main, securityProtocol: security.protocol, topics, orders } };
}

/** Like checkEndpointEnv, but throws a ConfigError listing every problem. */
export function parseEndpointEnv(env: Env, cwd = process.cwd()): EndpointConfig {
  const { config, problems } = checkEndpointEnv(env, cwd);
  if (!config) throw new ConfigError(problems);
  return config;
}

/** Where the round trip reads events back: an Eventstream custom endpoint *destination* (optional). */
export interface ConsumerConfig {
  readonly securityProtocol: SecurityProtocol;
  readonly brokers: readonly BrokerAddress[];
  readonly username: string;
  readonly password: string;
  readonly topic: string;
  readonly groupId: string;
  readonly ca?: string;
}

export const CONSUMER_VARIABLES = ['FABRIC_CONSUMER_BOOTSTRAP', 'FABRIC_CONSUMER_PASSWORD', 'FABRIC_CONSUMER_TOPIC', 'FABRIC_CONSUMER_GROUP'] as const;

/**
 * Reads FABRIC_CONSUMER_*; `configured` is false when none is set (the round trip then does not run).
 * FABRIC_CONSUMER_USERNAME defaults to $ConnectionString; the CA file is shared with the producer side.
 */
export function checkConsumerEnv(
  env: Env,
  cwd = process.cwd(),
): { configured: boolean; config?: ConsumerConfig; problems: ConfigProblem[]; entityProblems: ConfigProblem[] } {
  const configured = CONSUMER_VARIABLES.some((v) => env[v]?.trim());
  if (!configured) return { configured, problems: [], entityProblems: [] };
  const problems: ConfigProblem[] = [];
  for (const v of CONSUMER_VARIABLES) {
    if (!env[v]?.trim())
      problems.push({
        variable: v,
        expected: 'a value from the Eventstream custom endpoint destination (Kafka tab)',
        found: 'it is missing or empty while other FABRIC_CONSUMER_* are set',
      });
  }
  const bootstrap = parseBootstrap(
    env.FABRIC_CONSUMER_BOOTSTRAP,
    parsePort(env.FABRIC_KAFKA_PORT, 'FABRIC_KAFKA_PORT').port ?? DEFAULT_PORT,
    'FABRIC_CONSUMER_BOOTSTRAP',
  );
  if (env.FABRIC_CONSUMER_BOOTSTRAP?.trim()) problems.push(...bootstrap.problems);
  const topic = env.FABRIC_CONSUMER_TOPIC?.trim() ?? '';
  if (topic && !TOPIC.test(topic)) problems.push({ variable: 'FABRIC_CONSUMER_TOPIC', expected: 'a Kafka topic name', found: JSON.stringify(topic) });
  const username = env.FABRIC_CONSUMER_USERNAME?.trim() || CONNECTION_STRING_USERNAME;
  const password = env.FABRIC_CONSUMER_PASSWORD?.trim() ?? '';
  registerSecret(password);
  let info: ConnectionStringInfo | undefined;
  if (password && username === CONNECTION_STRING_USERNAME) {
    const cs = parseConnectionString(password, 'FABRIC_CONSUMER_PASSWORD');
    if (cs.problem) problems.push(cs.problem);
    info = cs.info;
  }
  const ca = readCa(env, cwd);
  const security = checkSecurityProtocol(env, [{ variable: 'FABRIC_CONSUMER_PASSWORD', info }]);
  if (security.problem && info) problems.push(security.problem);
  if (problems.length > 0) return { configured, problems, entityProblems: [] };
  const entity = entityPathProblem({
    passwordVariable: 'FABRIC_CONSUMER_PASSWORD',
    entityPath: info?.entityPath,
    topicVariable: 'FABRIC_CONSUMER_TOPIC',
    topic,
  });
  return {
    configured,
    problems,
    entityProblems: entity ? [entity] : [],
    config: {
      securityProtocol: security.protocol,
      brokers: bootstrap.brokers,
      username,
      password,
      topic,
      groupId: env.FABRIC_CONSUMER_GROUP?.trim() ?? '',
      ca: ca.ca,
    },
  };
}

/** host:port list for messages; carries no secret. */
export function describeEndpoint(config: Pick<EndpointConfig, 'brokers'>): string {
  return config.brokers.map((b) => `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`).join(',');
}
