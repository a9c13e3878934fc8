import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkEndpointEnv } from '../../../support/inputs/config.js';
import { ConfigError, parseBootstrap, parseConnectionString } from '../../../support/inputs/parsers.js';
import { loadEnvironment } from '../../../support/inputs/env-file.js';

// Keys are made at run time, so nothing that looks like a real SAS key is committed.
const GOOD_CS = `Endpoint=sb://es-abc.servicebus.windows.net/;SharedAccessKeyName=key_1;SharedAccessKey=${randomBytes(32).toString('base64')};EntityPath=es_1`;
const GOOD = {
  FABRIC_KAFKA_BOOTSTRAP: 'es-abc.servicebus.windows.net',
  FABRIC_KAFKA_USERNAME: '$ConnectionString',
  FABRIC_KAFKA_PASSWORD: GOOD_CS,
  FABRIC_TOPIC_TELEMETRY: 'es_1',
  FABRIC_TOPIC_ORDERS: 'orders.v1',
};

describe('parseBootstrap', () => {
  test('applies the default port to entries without one', () => {
    expect(parseBootstrap('a.example.com', 9093).brokers).toEqual([{ host: 'a.example.com', port: 9093 }]);
  });
  test('reads host:port and comma lists with spaces', () => {
    expect(parseBootstrap('a.example.com:9094, b.example.com', 9093).brokers).toEqual([
      { host: 'a.example.com', port: 9094 },
      { host: 'b.example.com', port: 9093 },
    ]);
  });
  test('refuses a bracketed IPv6 address up front, naming the variable: kafkajs could not connect to it', () => {
    // What kafkajs would do with it: its connection pool splits 'host:port' on ':' (connectionPoolBuilder.js).
    expect('::1:9095'.split(':')[0]).toBe('');
    const { brokers, problems } = parseBootstrap('a.example.com:9094,[::1]:9095', 9093);
    expect(brokers).toEqual([{ host: 'a.example.com', port: 9094 }]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.variable).toBe('FABRIC_KAFKA_BOOTSTRAP');
    expect(problems[0]?.found).toMatch(/"\[::1\]:9095" \(an IPv6 address, which the Kafka client \(kafkajs\) cannot connect to by address; give a host name/);
  });
  test.each([
    ['sb://a.example.com:9093', 'URL scheme'],
    ['a.example.com:99999', 'port'],
    ['a.example.com:', 'port'],
    ['a..example.com', 'not a valid host name'],
    ['a.example.com,,b.example.com', 'empty entry'],
    ['fe80::1:9093', 'more than one colon'],
  ])('rejects %s naming the variable and the expected form', (raw, why) => {
    const { problems } = parseBootstrap(raw, 9093);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.variable).toBe('FABRIC_KAFKA_BOOTSTRAP');
    expect(problems[0]?.found).toContain(why);
    expect(problems[0]?.expected).toContain('host:port');
  });
});

describe('parseConnectionString', () => {
  test('returns the non-secret parts of a good one', () => {
    expect(parseConnectionString(GOOD_CS).info).toEqual({
      endpointHost: 'es-abc.servicebus.windows.net',
      keyName: 'key_1',
      entityPath: 'es_1',
      developmentEmulator: false,
    });
  });
  test('names the missing parts without echoing the value', () => {
    const raw = 'Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=k;TopSecretValue=1';
    const { problem } = parseConnectionString(raw);
    expect(problem?.found).toContain('without SharedAccessKey');
    expect(JSON.stringify(problem)).not.toContain('TopSecretValue');
  });
  test('rejects an Endpoint that is not sb://host/', () => {
    expect(parseConnectionString('Endpoint=https://x/;SharedAccessKeyName=k;SharedAccessKey=abcd').problem?.found).toContain('sb://');
  });
});

describe('checkEndpointEnv', () => {
  test('accepts a complete Eventstream configuration and defaults the port to 9093', () => {
    const { config, problems } = checkEndpointEnv(GOOD);
    expect(problems).toEqual([]);
    expect(config?.brokers).toEqual([{ host: 'es-abc.servicebus.windows.net', port: 9093 }]);
  });
  test('FABRIC_KAFKA_PORT changes the default port', () => {
    expect(checkEndpointEnv({ ...GOOD, FABRIC_KAFKA_PORT: '9094' }).config?.brokers[0]?.port).toBe(9094);
  });
  test('lists one problem per missing variable, in order', () => {
    const { problems } = checkEndpointEnv({});
    expect(problems.map((p) => p.variable)).toEqual([
      'FABRIC_KAFKA_BOOTSTRAP',
      'FABRIC_KAFKA_USERNAME',
      'FABRIC_KAFKA_PASSWORD',
      'FABRIC_TOPIC_TELEMETRY',
      'FABRIC_TOPIC_ORDERS',
    ]);
  });
  test('explains a username the shell stripped of its $', () => {
    const { problems } = checkEndpointEnv({ ...GOOD, FABRIC_KAFKA_USERNAME: 'ConnectionString' });
    expect(problems[0]?.found).toContain('single quotes');
  });
  test('a malformed connection string fails without its value in the message', () => {
    const bad = 'Endpoint=sb://es-abc.servicebus.windows.net/;SharedAccessKey=hunter2hunter2';
    const { problems } = checkEndpointEnv({ ...GOOD, FABRIC_KAFKA_PASSWORD: bad });
    expect(problems.map((p) => p.variable)).toEqual(['FABRIC_KAFKA_PASSWORD']);
    expect(new ConfigError(problems).message).not.toContain('hunter2');
  });
  test('rejects an invalid topic name and a missing CA file', () => {
    const { problems } = checkEndpointEnv({ ...GOOD, FABRIC_TOPIC_ORDERS: 'orders topic', FABRIC_KAFKA_CA_FILE: '/nonexistent/ca.pem' });
    expect(problems.map((p) => p.variable)).toEqual(['FABRIC_TOPIC_ORDERS', 'FABRIC_KAFKA_CA_FILE']);
  });
});

describe('loadEnvironment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'readiness-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reads ./.env, and real environment variables win over it', () => {
    writeFileSync(join(dir, '.env'), 'FABRIC_TOPIC_ORDERS=from-file\nFABRIC_TOPIC_TELEMETRY=from-file\n');
    const { env } = loadEnvironment({ cwd: dir, env: { FABRIC_TOPIC_ORDERS: 'from-env' } });
    expect(env.FABRIC_TOPIC_ORDERS).toBe('from-env');
    expect(env.FABRIC_TOPIC_TELEMETRY).toBe('from-file');
  });
  test('EVENTSTREAM_ENV_FILE picks another file, e.g. for a second Eventstream', () => {
    writeFileSync(join(dir, '.env.prod'), "FABRIC_KAFKA_USERNAME='$ConnectionString'\n");
    const { env, file } = loadEnvironment({ cwd: dir, env: { EVENTSTREAM_ENV_FILE: '.env.prod' } });
    expect(env.FABRIC_KAFKA_USERNAME).toBe('$ConnectionString');
    expect(file).toBe(join(dir, '.env.prod'));
  });
  test('a missing EVENTSTREAM_ENV_FILE is an error naming the variable', () => {
    expect(() => loadEnvironment({ cwd: dir, env: { EVENTSTREAM_ENV_FILE: 'nope.env' } })).toThrow(
      /EVENTSTREAM_ENV_FILE=nope\.env: expected the path of a readable \.env file; there is no file at/,
    );
  });
});
