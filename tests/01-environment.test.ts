// Environment: every endpoint variable is present and well formed before anything touches the network.
import { CHECK_ID } from '../support/record/ids.js';
import { describe, inject, test } from 'vitest';
import { formatProblem, type ConfigProblem } from '../support/inputs/parsers.js';
import { ORDERS_VARIABLES } from '../support/inputs/config.js';
import { checkFailure, record } from '../support/checks/verdict.js';

// Parsed once by global setup: these checks only judge what it found.
const inputs = inject('inputs');
const { problems, entityProblems, parts } = inputs.endpoint;
// Values Fabric's control plane provided (FABRIC_WORKSPACE_ID and FABRIC_EVENTSTREAM_ID set, these left unset).
const discovered = new Set(inject('controlPlane').discovered);

/** Says where a discovered value came from; nothing for a value the user gave. */
function providedBy(...variables: string[]): Record<string, string> {
  return variables.some((v) => discovered.has(v)) ? { 'provided by': "Fabric's REST API (the custom endpoint source's connection)" } : {};
}

/** Variables a check of this file names; any other problem is caught by the "every problem is reported" check. */
const CHECKED_VARIABLES = new Set<string>([
  'FABRIC_KAFKA_PORT',
  'FABRIC_KAFKA_BOOTSTRAP',
  'FABRIC_KAFKA_USERNAME',
  'FABRIC_KAFKA_PASSWORD',
  'FABRIC_TOPIC_TELEMETRY',
  'FABRIC_TOPIC_ORDERS',
  ...ORDERS_VARIABLES,
  'FABRIC_KAFKA_SECURITY_PROTOCOL',
  'FABRIC_KAFKA_CA_FILE',
]);

function expectNoProblems(variable: string, found: readonly ConfigProblem[]): void {
  const mine = found.filter((p) => p.variable === variable);
  if (mine.length > 0) {
    throw checkFailure({
      what: mine.map(formatProblem).join('\n'),
      cause: 'the setting is missing or malformed',
      hint: `set ${variable} in the environment or in the .env file (see .env.example); with several Eventstreams pick a file with EVENTSTREAM_ENV_FILE${
        inject('controlPlane').configured ? "; Fabric's control plane did not provide it (see the Eventstream checks)" : ''
      }`,
    });
  }
}

describe('Environment', () => {
  test('FABRIC_KAFKA_BOOTSTRAP is a host, host:port or comma list of them', { meta: { checkId: CHECK_ID.envBootstrap } }, async (ctx) => {
    expectNoProblems('FABRIC_KAFKA_PORT', problems);
    expectNoProblems('FABRIC_KAFKA_BOOTSTRAP', problems);
    await record(ctx, {
      measured: {
        brokers: parts.brokers.map((b) => `${b.host}:${b.port}`).join(','),
        'default port': parts.defaultPort,
        'env file': inject('envFile') || '(none)',
        ...providedBy('FABRIC_KAFKA_BOOTSTRAP'),
      },
      thresholds: {},
      warnings: [],
    });
  });

  test('FABRIC_KAFKA_USERNAME is set ($ConnectionString for Eventstream)', { meta: { checkId: CHECK_ID.envUsername } }, async (ctx) => {
    expectNoProblems('FABRIC_KAFKA_USERNAME', problems);
    const user = parts.username;
    const warnings =
      user === '$ConnectionString' ? [] : ['the username is not $ConnectionString: Eventstream expects that literal with a connection string as password'];
    await record(ctx, { measured: { 'is $ConnectionString': user === '$ConnectionString' }, thresholds: {}, warnings });
  });

  test(
    'FABRIC_KAFKA_PASSWORD is set, and is a well-formed connection string when the username is $ConnectionString',
    { meta: { checkId: CHECK_ID.envPassword } },
    async (ctx) => {
      expectNoProblems('FABRIC_KAFKA_PASSWORD', problems);
      const info = parts.connectionString;
      const bootstrapHost = parts.brokers[0]?.host;
      const warnings =
        info && bootstrapHost && info.endpointHost.toLowerCase() !== bootstrapHost.toLowerCase()
          ? [
              `the connection string's Endpoint host (${info.endpointHost}) differs from the bootstrap host (${bootstrapHost}): is it another Eventstream's key?`,
            ]
          : [];
      await record(ctx, {
        measured: {
          password: 'set (value not shown)',
          ...providedBy('FABRIC_KAFKA_PASSWORD'),
          ...(info ? { 'endpoint host': info.endpointHost, 'key name': info.keyName, 'entity path': info.entityPath ?? '(none)' } : {}),
        },
        thresholds: {},
        warnings,
      });
    },
  );

  for (const [variable, checkId] of [
    ['FABRIC_TOPIC_TELEMETRY', CHECK_ID.envTopicTelemetry],
    ['FABRIC_TOPIC_ORDERS', CHECK_ID.envTopicOrders],
  ] as const) {
    test(`${variable} is a valid Kafka topic name`, { meta: { checkId } }, async (ctx) => {
      expectNoProblems(variable, problems);
      await record(ctx, {
        measured: { topic: variable === 'FABRIC_TOPIC_TELEMETRY' ? parts.topics.telemetry : parts.topics.orders, ...providedBy(variable) },
        thresholds: {},
        warnings: [],
      });
    });
  }

  test(
    "FABRIC_ORDERS_BOOTSTRAP, FABRIC_ORDERS_USERNAME and FABRIC_ORDERS_PASSWORD, when set, describe the orders topic's own custom endpoint",
    { meta: { checkId: CHECK_ID.envOrdersEndpoint } },
    async (ctx) => {
      for (const variable of ORDERS_VARIABLES) expectNoProblems(variable, problems);
      const { own, connectionString: cs } = parts.orders;
      await record(ctx, {
        measured: {
          'orders endpoint': own.length ? `its own (${own.join(', ')})` : 'the main one (FABRIC_KAFKA_*)',
          ...(cs ? { 'orders endpoint host': cs.endpointHost, 'orders key name': cs.keyName, 'orders entity path': cs.entityPath ?? '(none)' } : {}),
        },
        thresholds: {},
        warnings: [],
      });
    },
  );

  test(
    'each connection string with an EntityPath is used for that topic only (one key, one event hub, as on Eventstream)',
    { meta: { checkId: CHECK_ID.envEntityPath } },
    async (ctx) => {
      const found = [...entityProblems, ...inputs.consumer.entityProblems];
      const policy = inputs.settings.ENTITY_PATH_CHECK;
      await record(ctx, {
        measured: { 'keys scoped to another topic': found.length },
        thresholds: { 'keys scoped to another topic': 0, policy },
        warnings: policy === 'warn' ? found.map(formatProblem) : [],
      });
      if (found.length > 0 && policy === 'fail') {
        throw checkFailure({
          what: found.map(formatProblem).join('\n'),
          measured: { 'keys scoped to another topic': found.length },
          thresholds: { 'keys scoped to another topic': 0 },
          cause:
            'a connection string carries an EntityPath (a key for one event hub) and is used for a topic with another name; Event Hubs would answer TOPIC_AUTHORIZATION_FAILED',
          hint: 'pick one of the three setups above (docs/configuration.md, "One key, one event hub"); READINESS_ENTITY_PATH_CHECK=warn lets the run go on to meet the endpoint\'s own answer',
        });
      }
    },
  );

  test(
    'FABRIC_KAFKA_SECURITY_PROTOCOL is SASL_SSL (SASL_PLAINTEXT only for the Event Hubs emulator)',
    { meta: { checkId: CHECK_ID.envSecurityProtocol } },
    async (ctx) => {
      expectNoProblems('FABRIC_KAFKA_SECURITY_PROTOCOL', problems);
      const protocol = parts.securityProtocol;
      const warnings =
        protocol === 'SASL_PLAINTEXT'
          ? ['SASL_PLAINTEXT: this is the Event Hubs emulator (UseDevelopmentEmulator=true), not Eventstream; TLS is not checked']
          : [];
      await record(ctx, { measured: { 'security protocol': protocol }, thresholds: {}, warnings });
    },
  );

  test(
    'every configuration problem is reported by a check (none goes unreported while the network stages are skipped)',
    { meta: { checkId: CHECK_ID.envAllReported } },
    async (ctx) => {
      // A problem whose variable no check above names would skip every network stage, and the run would pass.
      const unreported = problems.filter((p) => !CHECKED_VARIABLES.has(p.variable));
      await record(ctx, { measured: { 'unreported problems': unreported.length }, thresholds: { 'unreported problems': 0 }, warnings: [] });
      if (unreported.length > 0) {
        throw checkFailure({
          what: unreported.map(formatProblem).join('\n'),
          cause: 'the setting is missing or malformed',
          hint: 'fix it in the environment or the .env file (see .env.example)',
        });
      }
    },
  );

  test('FABRIC_KAFKA_CA_FILE, when set, is a readable PEM file', { meta: { checkId: CHECK_ID.envCaFile } }, async (ctx) => {
    expectNoProblems('FABRIC_KAFKA_CA_FILE', problems);
    await record(ctx, { measured: { 'ca file': parts.caFile ?? '(system roots only)' }, thresholds: {}, warnings: [] });
  });

  test('READINESS_* tuning values are numbers within range', { meta: { checkId: CHECK_ID.envSettings } }, async (ctx) => {
    // Includes, against the real endpoint, what Event Hubs enforces: request timeout >= 20 s, session timeout 6-300 s.
    const found = inputs.settingsProblems;
    await record(ctx, { measured: { 'invalid settings': found.map((p) => p.variable).join(', ') || 'none' }, thresholds: {}, warnings: [] });
    if (found.length > 0) {
      throw checkFailure({
        what: found.map((p) => p.message).join('\n'),
        cause: 'a READINESS_* value is out of range',
        hint: 'fix or unset it; defaults live in support/inputs/settings.ts',
      });
    }
  });
});
