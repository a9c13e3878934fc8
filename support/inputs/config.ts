// Assembles the endpoint and the round trip's consumer from the FABRIC_* variables: one typed config, every problem listed.
import type { Env } from './settings.js';
import { CONNECTION_STRING_USERNAME } from '../facts/eventstream.js';
import { registerSecret } from '../core/redact.js';
import { SECRET_VARIABLES } from './env-file.js';
import { entityPathProblem } from './event-hubs-rules.js';
import {
  checkPassword,
  checkSecurityProtocol,
  checkTopic,
  checkUsername,
  ConfigError,
  DEFAULT_PORT,
  parseBootstrap,
  parseConnectionString,
  parsePort,
  TOPIC,
  readCa,
  type BrokerAddress,
  type ConfigProblem,
  type ConnectionStringInfo,
  type SecurityProtocol,
} from './parsers.js';

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

/** The main endpoint's values, each parsed on its own; their problems go to `problems` in a stable order. */
function mainEndpoint(env: Env, cwd: string, problems: ConfigProblem[]) {
  const port = parsePort(env.FABRIC_KAFKA_PORT, 'FABRIC_KAFKA_PORT');
  if (port.problem) problems.push(port.problem);
  const defaultPort = port.port ?? DEFAULT_PORT;
  const bootstrap = parseBootstrap(env.FABRIC_KAFKA_BOOTSTRAP, defaultPort);
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
  return { defaultPort, main: { ...main, securityProtocol: security.protocol } };
}

/** The orders endpoint, and the emulator-only protocol rule for its own connection string. */
function ordersEndpoint(env: Env, main: Connection, defaultPort: number, problems: ConfigProblem[]): Connection {
  const orders = ordersConnection(env, main, defaultPort, problems);
  if (orders.from.password === 'FABRIC_ORDERS_PASSWORD') {
    const ordersSecurity = checkSecurityProtocol(env, [{ variable: 'FABRIC_ORDERS_PASSWORD', info: orders.connectionString }]);
    if (ordersSecurity.problem && orders.connectionString) problems.push(ordersSecurity.problem);
  }
  return orders;
}

/** Keys with an EntityPath used for a topic of another name, on either endpoint. */
function entityProblemsOf(main: Connection, orders: Connection, topics: EndpointParts['topics']): ConfigProblem[] {
  return [
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
}

/** Every problem with the endpoint variables, one entry per variable and fault, in a stable order. */
export function checkEndpointEnv(env: Env, cwd = process.cwd()): EndpointCheck {
  for (const name of SECRET_VARIABLES) registerSecret(env[name]);
  const problems: ConfigProblem[] = [];
  const { defaultPort, main } = mainEndpoint(env, cwd, problems);
  const orders = ordersEndpoint(env, main, defaultPort, problems);
  const topics = { telemetry: (env.FABRIC_TOPIC_TELEMETRY ?? '').trim(), orders: (env.FABRIC_TOPIC_ORDERS ?? '').trim() };
  const parts: EndpointParts = {
    brokers: main.brokers,
    defaultPort,
    username: main.username,
    connectionString: main.connectionString,
    orders: {
      own: ORDERS_VARIABLES.filter((v) => env[v]?.trim()),
      connectionString: orders.from.password === 'FABRIC_ORDERS_PASSWORD' ? orders.connectionString : undefined,
    },
    securityProtocol: main.securityProtocol,
    topics,
    caFile: main.caFile ?? (env.FABRIC_KAFKA_CA_FILE?.trim() || undefined),
  };
  if (problems.length > 0) return { parts, problems, entityProblems: [] };
  return { parts, problems, entityProblems: entityProblemsOf(main, orders, topics), config: { ...main, topics, orders } };
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

/** Every FABRIC_CONSUMER_* that is missing while others are set: the round trip needs all four. */
function missingConsumerVariables(env: Env): ConfigProblem[] {
  return CONSUMER_VARIABLES.filter((v) => !env[v]?.trim()).map((variable) => ({
    variable,
    expected: 'a value from the Eventstream custom endpoint destination (Kafka tab)',
    found: 'it is missing or empty while other FABRIC_CONSUMER_* are set',
  }));
}

/** The consumer's connection string, parsed when the username is $ConnectionString (registered as a secret first). */
function consumerPassword(env: Env, username: string, problems: ConfigProblem[]): { password: string; info?: ConnectionStringInfo } {
  const password = env.FABRIC_CONSUMER_PASSWORD?.trim() ?? '';
  registerSecret(password);
  if (!password || username !== CONNECTION_STRING_USERNAME) return { password };
  const cs = parseConnectionString(password, 'FABRIC_CONSUMER_PASSWORD');
  if (cs.problem) problems.push(cs.problem);
  return { password, info: cs.info };
}

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
  const problems = missingConsumerVariables(env);
  const defaultPort = parsePort(env.FABRIC_KAFKA_PORT, 'FABRIC_KAFKA_PORT').port ?? DEFAULT_PORT;
  const bootstrap = parseBootstrap(env.FABRIC_CONSUMER_BOOTSTRAP, defaultPort, 'FABRIC_CONSUMER_BOOTSTRAP');
  if (env.FABRIC_CONSUMER_BOOTSTRAP?.trim()) problems.push(...bootstrap.problems);
  const topic = env.FABRIC_CONSUMER_TOPIC?.trim() ?? '';
  if (topic && !TOPIC.test(topic)) problems.push({ variable: 'FABRIC_CONSUMER_TOPIC', expected: 'a Kafka topic name', found: JSON.stringify(topic) });
  const username = env.FABRIC_CONSUMER_USERNAME?.trim() || CONNECTION_STRING_USERNAME;
  const { password, info } = consumerPassword(env, username, problems);
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
  const groupId = env.FABRIC_CONSUMER_GROUP?.trim() ?? '';
  return {
    configured,
    problems,
    entityProblems: entity ? [entity] : [],
    config: { securityProtocol: security.protocol, brokers: bootstrap.brokers, username, password, topic, groupId, ca: ca.ca },
  };
}

/** host:port list for messages; carries no secret. */
export function describeEndpoint(config: Pick<EndpointConfig, 'brokers'>): string {
  return config.brokers.map((b) => `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`).join(',');
}
