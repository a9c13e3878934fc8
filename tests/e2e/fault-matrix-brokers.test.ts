// The gate's fault matrix, faults of a broker of its own: killed in the middle of the burst, throttling the producer
// (see fault-matrix.test.ts).
import { afterAll, describe, expect, test } from 'vitest';
import { setDefaultClientQuota, startJvmBroker } from '../../support/broker/jvm.js';
import type { LocalBroker } from '../../support/broker/local-broker.js';
import { expectFault, secretParts } from '../../support/dev/fault-matrix.js';
import { QUICK } from '../../support/dev/quick.js';
import { onceStderrMatches, runSuite } from '../../support/dev/run-suite.js';

describe('fault matrix on dedicated brokers', () => {
  let broker: LocalBroker | undefined;
  afterAll(async () => broker?.stop());
  const stopBroker = async () => {
    await broker?.stop();
    broker = undefined;
  };

  const dedicated = async (options: Parameters<typeof startJvmBroker>[0]) => {
    await stopBroker();
    broker = await startJvmBroker(options);
    return broker;
  };
  const envOf = (b: LocalBroker) => Object.fromEntries(Object.entries(b.env).filter((e): e is [string, string] => e[1] !== undefined));

  test('the broker killed in the middle of the burst fails the burst, promptly, and later checks do not pass', async () => {
    const b = await dedicated({});
    const pid = b.pid as number;
    let killedAt = 0;
    const r = await runSuite({
      project: 'fabric',
      envFile: envOf(b),
      // A burst far longer than any run gets to see, so the kill lands in its middle whatever the machine's speed.
      env: { ...QUICK, READINESS_BURST_EVENTS: '3000000', READINESS_PACED_EVENTS: '1' },
      timeoutMs: 120000,
      // The max-rate burst prints its first progress line once its first events are acknowledged: kill then.
      onStart: (child) =>
        onceStderrMatches(child, /\[readiness fabric\] burst\.max-rate: [1-9]\d* of 3000000 acknowledged/, () => {
          killedAt = Date.now();
          process.kill(pid, 'SIGKILL');
        }),
    });
    expect(killedAt, r.stderr.slice(-2000)).toBeGreaterThan(0);
    expectFault(r, {
      first: 'absorbs a max-rate burst',
      message: /events sent failed.*\((connection-lost|tcp-refused|timeout)\)/s,
      dependentsFrom: 'tests/06',
      boundMs: 90000,
      secrets: secretParts(b.connectionString),
    });
    const burst = r.cases.find((c) => c.name.includes('absorbs a max-rate burst'));
    expect(Number(burst?.properties.find((p) => p.name === 'measured: acknowledged')?.value)).toBeGreaterThan(0);
    await stopBroker();
  });

  test('a broker throttling the producer (producer_byte_rate quota) is reported and judged by the throttle threshold', async () => {
    // Kafka measures rates over quota.window.num x quota.window.size.seconds (11 s by default): shorten it,
    // so a short burst already exceeds the quota.
    const b = await dedicated({ properties: { 'quota.window.num': '2', 'quota.window.size.seconds': '1' } });
    await setDefaultClientQuota(b, { producerByteRate: 262144 });
    const r = await runSuite({
      project: 'fabric',
      envFile: envOf(b),
      env: { ...QUICK, READINESS_BURST_EVENTS: '1000', READINESS_PACED_EVENTS: '1', READINESS_BURST_MAX_THROTTLE_MS: '1000' },
      timeoutMs: 120000,
    });
    expectFault(r, {
      first: 'absorbs a max-rate burst',
      message: /throttle total ms \d+ > max 1000.*throttled/s,
      boundMs: 90000,
      secrets: secretParts(b.connectionString),
    });
    const burst = r.cases.find((c) => c.name.includes('absorbs a max-rate burst'));
    expect(Number(burst?.properties.find((p) => p.name === 'measured: throttle total ms')?.value)).toBeGreaterThan(1000);
  });
});
