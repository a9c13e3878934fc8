// The emulator job (.github/workflows/emulator.yml) and its compose file, parsed and checked against each other.
// The job itself is unverified until GitHub runs it; the run it makes is proven against an emulator-shaped listener of
// the local broker in tests/e2e/emulator.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { checkConsumerEnv, checkEndpointEnv } from '../../../support/inputs/config.js';
import { PROJECT_ROOT } from '../../../support/core/project-root.js';

type Step = { name?: string; uses?: string; run?: string; if?: string; env?: Record<string, string> };
const load = (path: string) => parse(readFileSync(join(PROJECT_ROOT, path), 'utf8')) as Record<string, any>;

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
