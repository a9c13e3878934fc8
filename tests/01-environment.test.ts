// Environment: every endpoint variable is present and well formed before anything touches the network.
import { describe, inject, test } from 'vitest';
import { checkEndpointEnv, formatProblem, parseBootstrap, parseConnectionString, DEFAULT_PORT, type ConfigProblem } from '../support/config.js';
import { checkFailure, record } from '../support/checks.js';
import { readSettings, SettingError } from '../support/settings.js';

const env = inject('runEnv');
const { problems } = checkEndpointEnv(env);

function expectNoProblems(variable: string, found: ConfigProblem[]): void {
  const mine = found.filter((p) => p.variable === variable);
  if (mine.length > 0) {
    throw checkFailure({
      what: mine.map(formatProblem).join('\n'),
      cause: 'the setting is missing or malformed',
      hint: `set ${variable} in the environment or in the .env file (see .env.example); with several Eventstreams pick a file with EVENTSTREAM_ENV_FILE`,
    });
  }
}

describe('Environment', () => {
  test('FABRIC_KAFKA_BOOTSTRAP is a host, host:port or comma list of them', async (ctx) => {
    expectNoProblems('FABRIC_KAFKA_PORT', problems);
    expectNoProblems('FABRIC_KAFKA_BOOTSTRAP', problems);
    const port = Number(env.FABRIC_KAFKA_PORT?.trim() || DEFAULT_PORT);
    const { brokers } = parseBootstrap(env.FABRIC_KAFKA_BOOTSTRAP, port);
    await record(ctx, {
      id: 'environment.bootstrap',
      measured: { brokers: brokers.map((b) => `${b.host}:${b.port}`).join(','), 'default port': port, 'env file': inject('envFile') || '(none)' },
      thresholds: {},
      warnings: [],
    });
  });

  test('FABRIC_KAFKA_USERNAME is set ($ConnectionString for Eventstream)', async (ctx) => {
    expectNoProblems('FABRIC_KAFKA_USERNAME', problems);
    const user = env.FABRIC_KAFKA_USERNAME?.trim() ?? '';
    const warnings = user === '$ConnectionString' ? [] : ['the username is not $ConnectionString: Eventstream expects that literal with a connection string as password'];
    await record(ctx, { id: 'environment.username', measured: { 'is $ConnectionString': user === '$ConnectionString' }, thresholds: {}, warnings });
  });

  test('FABRIC_KAFKA_PASSWORD is set, and is a well-formed connection string when the username is $ConnectionString', async (ctx) => {
    expectNoProblems('FABRIC_KAFKA_PASSWORD', problems);
    const password = env.FABRIC_KAFKA_PASSWORD ?? '';
    const info = env.FABRIC_KAFKA_USERNAME?.trim() === '$ConnectionString' ? parseConnectionString(password).info : undefined;
    const bootstrapHost = parseBootstrap(env.FABRIC_KAFKA_BOOTSTRAP, DEFAULT_PORT).brokers[0]?.host;
    const warnings =
      info && bootstrapHost && info.endpointHost.toLowerCase() !== bootstrapHost.toLowerCase()
        ? [`the connection string's Endpoint host (${info.endpointHost}) differs from the bootstrap host (${bootstrapHost}): is it another Eventstream's key?`]
        : [];
    await record(ctx, {
      id: 'environment.password',
      measured: { password: 'set (value not shown)', ...(info ? { 'endpoint host': info.endpointHost, 'key name': info.keyName, 'entity path': info.entityPath ?? '(none)' } : {}) },
      thresholds: {},
      warnings,
    });
  });

  for (const variable of ['FABRIC_TOPIC_TELEMETRY', 'FABRIC_TOPIC_ORDERS'] as const) {
    test(`${variable} is a valid Kafka topic name`, async (ctx) => {
      expectNoProblems(variable, problems);
      await record(ctx, { id: `environment.${variable.toLowerCase()}`, measured: { topic: env[variable]?.trim() ?? '' }, thresholds: {}, warnings: [] });
    });
  }

  test('FABRIC_KAFKA_CA_FILE, when set, is a readable PEM file', async (ctx) => {
    expectNoProblems('FABRIC_KAFKA_CA_FILE', problems);
    await record(ctx, { id: 'environment.ca_file', measured: { 'ca file': env.FABRIC_KAFKA_CA_FILE || '(system roots only)' }, thresholds: {}, warnings: [] });
  });

  test('READINESS_* tuning values are numbers within range', async (ctx) => {
    try {
      readSettings(env);
    } catch (error) {
      if (error instanceof SettingError) throw checkFailure({ what: error.message, cause: 'a READINESS_* value is out of range', hint: 'fix or unset it; defaults live in support/settings.ts' });
      throw error;
    }
    await record(ctx, { id: 'environment.settings', measured: {}, thresholds: {}, warnings: [] });
  });
});
