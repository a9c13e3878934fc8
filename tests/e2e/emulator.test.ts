// The emulator job (.github/workflows/emulator.yml) and its compose file are parsed and checked against each other;
// SASL_PLAINTEXT is accepted for the emulator's connection strings only, and works end to end against an
// emulator-shaped listener of the local broker. The job itself is unverified until GitHub runs it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startJvmBroker } from '../../support/broker/jvm.js';
import type { LocalBroker } from '../../support/broker/local-broker.js';
import { parse } from 'yaml';
import { checkConsumerEnv, checkEndpointEnv } from '../../support/inputs/config.js';
import { QUICK_EMULATOR } from '../../support/dev/quick.js';
import { PROJECT_ROOT, runSuite } from '../../support/dev/run-suite.js';

type Step = { name?: string; uses?: string; run?: string; if?: string; env?: Record<string, string> };
const load = (path: string) => parse(readFileSync(join(PROJECT_ROOT, path), 'utf8')) as Record<string, any>;
const EMULATOR_KEY = 'Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;';

describe('the emulator job', () => {
  const wf = load('.github/workflows/emulator.yml');
  const steps = wf.jobs['fabric-against-emulator'].steps as Step[];
  const compose = load('fixtures/emulator/docker-compose.yml');
  const config = load('fixtures/emulator/Config.json');
  const gate = steps.find((s) => s.run === 'npx vitest run --project fabric');
  const entities = config.UserConfig.NamespaceConfig[0].Entities as Array<{ Name: string; ConsumerGroups: Array<{ Name: string }> }>;

  test('starts the emulator and azurite with docker compose in a step, accepts the EULA, waits for health, stops them always', () => {
    const up = steps.findIndex((s) => s.run === 'docker compose -f fixtures/emulator/docker-compose.yml up -d');
    expect(up).toBeGreaterThan(steps.findIndex((s) => s.uses?.startsWith('actions/checkout')));
    expect(steps[up]?.env?.ACCEPT_EULA).toBe('Y');
    expect(steps.find((s) => s.run?.includes('5300/health'))?.run).toMatch(/^timeout \d+ /);
    expect(steps.at(-1)).toMatchObject({ if: 'always()', run: expect.stringContaining('down') });
  });

  test('the compose file runs the emulator with azurite, mounts Config.json where the emulator reads it, publishes 9092 on loopback', () => {
    expect(compose.services.emulator.image).toMatch(/^mcr\.microsoft\.com\/azure-messaging\/eventhubs-emulator:/);
    expect(compose.services.azurite.image).toMatch(/^mcr\.microsoft\.com\/azure-storage\/azurite:/);
    expect(compose.services.emulator.volumes).toContain('./Config.json:/Eventhubs_Emulator/ConfigFiles/Config.json');
    expect(compose.services.emulator.ports).toContain('127.0.0.1:9092:9092');
    expect(compose.services.emulator.environment).toMatchObject({ BLOB_SERVER: 'azurite', METADATA_SERVER: 'azurite' });
  });

  test("the gate's topics and consumer group are the event hubs and group Config.json declares", () => {
    const env = gate?.env ?? {};
    const names = entities.map((e) => e.Name);
    expect(names).toEqual(expect.arrayContaining([env.FABRIC_TOPIC_TELEMETRY, env.FABRIC_TOPIC_ORDERS, env.FABRIC_CONSUMER_TOPIC]));
    expect(entities.find((e) => e.Name === env.FABRIC_CONSUMER_TOPIC)?.ConsumerGroups.map((g) => g.Name)).toContain(env.FABRIC_CONSUMER_GROUP);
  });

  test("the gate's settings are accepted by the suite's own configuration check, over SASL_PLAINTEXT", () => {
    const env = gate?.env ?? {};
    const { config: endpoint, problems, entityProblems } = checkEndpointEnv(env);
    expect(problems).toEqual([]);
    expect(entityProblems).toEqual([]);
    expect(endpoint?.securityProtocol).toBe('SASL_PLAINTEXT');
    expect(endpoint?.connectionString?.developmentEmulator).toBe(true);
    expect(checkConsumerEnv(env).config?.securityProtocol).toBe('SASL_PLAINTEXT');
  });
});

describe('SASL_PLAINTEXT is for the emulator only', () => {
  const base = { FABRIC_KAFKA_BOOTSTRAP: 'localhost:9092', FABRIC_KAFKA_USERNAME: '$ConnectionString', FABRIC_TOPIC_TELEMETRY: 't', FABRIC_TOPIC_ORDERS: 't' };

  test("refused with a connection string that is not the emulator's, naming the variable", () => {
    const real = 'Endpoint=sb://es-x.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=abcdefgh';
    const { problems } = checkEndpointEnv({ ...base, FABRIC_KAFKA_PASSWORD: real, FABRIC_KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT' });
    expect(problems).toEqual([
      expect.objectContaining({ variable: 'FABRIC_KAFKA_SECURITY_PROTOCOL', found: expect.stringContaining('lacking UseDevelopmentEmulator=true') }),
    ]);
  });

  test("accepted with the emulator's; SASL_SSL stays the default; anything else is refused", () => {
    expect(checkEndpointEnv({ ...base, FABRIC_KAFKA_PASSWORD: EMULATOR_KEY, FABRIC_KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext' }).config?.securityProtocol).toBe(
      'SASL_PLAINTEXT',
    );
    expect(checkEndpointEnv({ ...base, FABRIC_KAFKA_PASSWORD: EMULATOR_KEY }).config?.securityProtocol).toBe('SASL_SSL');
    expect(checkEndpointEnv({ ...base, FABRIC_KAFKA_PASSWORD: EMULATOR_KEY, FABRIC_KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' }).problems[0]?.variable).toBe(
      'FABRIC_KAFKA_SECURITY_PROTOCOL',
    );
  });
});

describe('the emulator path against a real broker (an emulator-shaped SASL_PLAINTEXT listener with the same key checks)', () => {
  let broker: LocalBroker;
  beforeAll(async () => {
    broker = await startJvmBroker({ emulatorListener: true });
  });
  afterAll(async () => broker?.stop());

  /** What the emulator job sets, pointed at the local broker's plaintext listener with its namespace key. */
  const emulatorEnv = (password: string) => ({
    FABRIC_KAFKA_BOOTSTRAP: `localhost:${broker.emulatorPort}`,
    FABRIC_KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
    FABRIC_KAFKA_USERNAME: '$ConnectionString',
    FABRIC_KAFKA_PASSWORD: password,
    FABRIC_TOPIC_TELEMETRY: 'telemetry',
    FABRIC_TOPIC_ORDERS: 'orders',
    FABRIC_CONSUMER_BOOTSTRAP: `localhost:${broker.emulatorPort}`,
    FABRIC_CONSUMER_PASSWORD: password,
    FABRIC_CONSUMER_TOPIC: 'telemetry',
    FABRIC_CONSUMER_GROUP: 'readiness',
  });

  test('--project fabric over SASL_PLAINTEXT with an emulator connection string passes, the TLS stage reported as not run', async () => {
    const r = await runSuite({
      project: 'fabric',
      envFile: emulatorEnv(`${broker.keys.namespace};UseDevelopmentEmulator=true;`),
      env: QUICK_EMULATOR,
      timeoutMs: 120000,
    });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const tls = r.cases.find((c) => c.name.includes('TLS:'));
    expect(tls?.status).toBe('skip');
    expect(tls?.properties.find((p) => p.name === 'not run')?.value).toMatch(/SASL_PLAINTEXT to the Event Hubs emulator/);
    expect(r.cases.find((c) => c.name.includes('reads back every event'))?.status).toBe('pass');
    expect(r.allOutput.includes(broker.keys.namespace)).toBe(false);
  });

  test("SASL_PLAINTEXT with a connection string that is not the emulator's is refused before any network stage", async () => {
    const r = await runSuite({ project: 'fabric', envFile: emulatorEnv(broker.keys.namespace), env: QUICK_EMULATOR, timeoutMs: 60000 });
    expect(r.code).not.toBe(0);
    expect(r.cases.find((c) => c.status === 'fail')?.failureMessage).toMatch(
      /FABRIC_KAFKA_SECURITY_PROTOCOL: expected SASL_SSL.*lacking UseDevelopmentEmulator=true/s,
    );
    expect(r.stderr).not.toMatch(/\[readiness fabric\] dns/);
  });
});
