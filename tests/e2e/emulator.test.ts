// SASL_PLAINTEXT works end to end against an emulator-shaped listener of the local broker (the emulator job's path).
// The job's files are checked in tests/unit/ci/emulator-job.test.ts; the rule that SASL_PLAINTEXT is for the
// emulator only, in tests/unit/inputs/sasl-plaintext.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startJvmBroker } from '../../support/broker/jvm.js';
import type { LocalBroker } from '../../support/broker/local-broker.js';
import { QUICK_EMULATOR } from '../../support/dev/quick.js';
import { runSuite } from '../../support/dev/run-suite.js';

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

  test('--project fabric over SASL_PLAINTEXT with an emulator connection string (a namespace key for both topics) passes, the TLS stage reported as not run', async () => {
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
    // One namespace key (no EntityPath), no FABRIC_ORDERS_PASSWORD: it serves both topics.
    expect(r.stderr).toMatch(/\[readiness fabric\] topics\s+pass\s+telemetry "telemetry" has 3 partition\(s\), orders "orders" has 3/);
    expect(r.cases.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual([]);
    expect(r.allOutput.includes(broker.keys.namespace)).toBe(false);
    expect(r.leftoverProcesses).toEqual([]);
    expect(r.leftoverFiles).toEqual([]);
  });
});
