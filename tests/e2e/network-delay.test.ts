// The fabric profile over a cloud round trip (a relay holding data 40 ms each way): it still passes, warns where the
// path stalls, and a wrong password still fails it at SASL, so that nothing made faster for a network ever buys a missed fault.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BURST_THRESHOLD, CHECK_ID, ROUND_TRIP_THRESHOLD } from '../../support/record/ids.js';
import { startJvmBroker } from '../../support/broker/jvm.js';
import type { LocalBroker } from '../../support/broker/local-broker.js';
import { startDelayProxy, type DelayProxy } from '../../support/dev/delay-proxy.js';
import { QUICK_PIPELINE } from '../../support/dev/quick.js';
import { checkIdsOf, failuresOf, NOT_RUN_ON_A_FIRST_RUN, onceStderrMatches, PASSED_ON_A_FIRST_RUN, runSuite } from '../../support/dev/run-suite.js';

/** Each way: an 80 ms round trip, a far-away region. */
const DELAY_MS = 40;
const RUN_TIMEOUT_MS = 100000;
/** A stall of the path during the paced burst, each way: every ack held by it takes at least this long. */
const FREEZE_MS = 1500;

let relay: DelayProxy;
let broker: LocalBroker;

beforeAll(async () => {
  relay = await startDelayProxy({ delayMs: DELAY_MS });
  // The broker advertises the relay's port: every connection of the run, not only the bootstrap, goes through it.
  broker = await startJvmBroker({ saslFront: relay, log: (line) => process.stderr.write(`[delayed broker] ${line}\n`) });
});
afterAll(async () => {
  await broker?.stop();
  await relay?.stop();
});

function endpointEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(broker.env)) if (v !== undefined) env[k] = v;
  return { ...env, ...overrides };
}

describe(`the fabric profile through a relay holding data ${DELAY_MS} ms each way`, () => {
  test('passes: every check passes or is skipped for its usual reason, and every connection went through the relay', async () => {
    const connectionsBefore = relay.connections;
    // The burst's and the round trip's warn-level thresholds under the relay's 80 ms round trip: each check must warn,
    // naming itself, the value and the threshold, and still pass. The paced burst's is above it: it warns only because
    // the relay stalls (FREEZE_MS each way) from its first ack until a later one comes through.
    const warnAt = { READINESS_PACED_ACK_WARN_MS: '1000', READINESS_BURST_ACK_P99_WARN_MS: '50', READINESS_ROUND_TRIP_E2E_P99_WARN_MS: '50' };
    const run = await runSuite({
      project: 'fabric',
      envFile: endpointEnv(),
      env: { ...QUICK_PIPELINE, READINESS_PACED_EVENTS: '8', ...warnAt },
      timeoutMs: RUN_TIMEOUT_MS,
      onStart: (child) => {
        onceStderrMatches(child, /\[readiness fabric\] burst\.paced: 1 of \d+ acknowledged/, () => relay.setDelay(FREEZE_MS));
        // The next progress line comes with the first ack held by the stall (or the burst's end): the stall is over.
        onceStderrMatches(child, /\[readiness fabric\] burst\.paced: [2-9] of \d+ acknowledged/, () => relay.setDelay(DELAY_MS));
      },
    });
    relay.setDelay(DELAY_MS);
    expect(run.code, failuresOf(run)).toBe(0);
    expect(run.readiness?.verdict).toBe('pass');
    expect(run.cases.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual([]);
    // The same checks ran as on loopback: only the baseline-dependent ones are skipped, each with its reason.
    expect(checkIdsOf(run, 'Pass')).toEqual(PASSED_ON_A_FIRST_RUN);
    expect(checkIdsOf(run, 'Not Run')).toEqual(NOT_RUN_ON_A_FIRST_RUN);
    expect(run.cases.filter((c) => c.status === 'skip').every((c) => c.properties.some((p) => p.name === 'not run'))).toBe(true);
    const measured = (id: string) => run.readiness?.checks.find((c) => c.id === id)?.measured ?? {};
    expect(measured(CHECK_ID.burstMaxRate).acknowledged).toBe(Number(QUICK_PIPELINE.READINESS_BURST_EVENTS));
    expect(measured(CHECK_ID.roundTrip).lost).toBe(0);
    const warningsOf = (id: string) => run.readiness?.checks.find((c) => c.id === id)?.warnings ?? [];
    const paced = warningsOf(CHECK_ID.burstPaced).find((w) => w.startsWith('paced burst: ack max ms '));
    expect(paced ?? `no warning; measured ${JSON.stringify(measured(CHECK_ID.burstPaced))}`).toMatch(
      /^paced burst: ack max ms \d+(\.\d+)? > warn 1000 \(READINESS_PACED_ACK_WARN_MS\); likely cause: the endpoint stalled/,
    );
    expect(Number(measured(CHECK_ID.burstPaced)['ack max ms'])).toBeGreaterThanOrEqual(FREEZE_MS);
    expect(warningsOf(CHECK_ID.burstMaxRate)).toContainEqual(
      expect.stringMatching(/^max-rate burst: ack p99 ms \d+(\.\d+)? > warn 50 \(READINESS_BURST_ACK_P99_WARN_MS\)/),
    );
    expect(warningsOf(CHECK_ID.roundTrip)).toContainEqual(
      expect.stringMatching(/^round trip: e2e p99 ms \d+(\.\d+)? > warn 50 \(READINESS_ROUND_TRIP_E2E_P99_WARN_MS\)/),
    );
    const threshold = (id: string, name: string) => run.readiness?.checks.find((c) => c.id === id)?.thresholds[name];
    expect(threshold(CHECK_ID.burstMaxRate, BURST_THRESHOLD.ackP99WarnMs)).toBe(50);
    expect(threshold(CHECK_ID.roundTrip, ROUND_TRIP_THRESHOLD.e2eP99WarnMs)).toBe(50);
    expect(relay.connections - connectionsBefore).toBeGreaterThan(5);
    expect(run.allOutput.includes(broker.connectionString), 'a secret was printed or reported').toBe(false);
  });

  test('still fails on a wrong password, at SASL, as an authentication error, with no later check passing', async () => {
    const wrong = broker.connectionString.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${randomBytes(32).toString('base64')}`);
    const run = await runSuite({ project: 'fabric', envFile: endpointEnv({ FABRIC_KAFKA_PASSWORD: wrong }), env: QUICK_PIPELINE, timeoutMs: RUN_TIMEOUT_MS });
    expect(run.code).not.toBe(0);
    const firstIndex = run.cases.findIndex((c) => c.status === 'fail');
    const first = run.cases[firstIndex];
    expect(first?.name).toContain('SASL:');
    expect(first?.failureMessage).toMatch(/\(auth\)/);
    const passedAfter = run.cases.slice(firstIndex + 1).filter((c) => !c.suite.includes('09-readiness') && c.status === 'pass');
    expect(passedAfter.map((c) => c.name)).toEqual([]);
    expect(run.readiness?.checks.find((c) => c.id === CHECK_ID.sasl)).toMatchObject({ status: 'Action Required', diagnosis: { failureClass: 'auth' } });
    expect(run.allOutput.includes(wrong), 'a secret was printed or reported').toBe(false);
  });
});
