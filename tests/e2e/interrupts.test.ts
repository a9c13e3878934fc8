// A cancelled CI job sends SIGTERM: in every phase of a local run it must end the run, non-zero, in seconds, leaving nothing behind.
import { describe, expect, test } from 'vitest';
import { QUICK } from '../../support/dev/quick.js';
import { onceStderrMatches, runSuite } from '../../support/dev/run-suite.js';

const EXIT_BOUND_MS = 10000;

/** Each phase, and the line the suite prints once it is in it. */
const PHASES = [
  { phase: 'broker start', line: /\[local broker\] starting Kafka broker/, env: {} },
  { phase: 'preflight', line: /\[readiness local\] dns\s/, env: {} },
  // A burst far longer than the run gets to see, interrupted once its first events are acknowledged.
  { phase: 'max-rate burst', line: /\[readiness local\] burst\.max-rate: [1-9]\d* of 3000000 acknowledged/, env: { READINESS_BURST_EVENTS: '3000000' } },
  { phase: 'round trip', line: /\[readiness local\] round-trip: consumer joined/, env: {} },
  { phase: 'report writing', line: /\[readiness local\] writing reports to/, env: {} },
] as const;

describe('SIGTERM, as a cancelled CI job sends it to the test command', () => {
  test.each(PHASES)('during $phase: non-zero exit within 10 s, broker, workers and temp dirs gone', async ({ line, env }) => {
    let signalledAt = 0;
    const r = await runSuite({
      project: 'local',
      env: { ...QUICK, ...env },
      timeoutMs: 120000,
      // To the test command itself, not its process group: the harder case, where workers and broker learn of it only through us.
      onStart: (child) =>
        onceStderrMatches(child, line, () => {
          signalledAt = performance.now();
          child.kill('SIGTERM');
        }),
    });
    expect(signalledAt, `the phase's line never came:\n${r.stderr.slice(-2000)}`).toBeGreaterThan(0);
    expect(r.code === 0 && r.signal === null, `exit ${r.code} ${r.signal}`).toBe(false);
    expect(r.closedAt - signalledAt).toBeLessThan(EXIT_BOUND_MS);
    expect(r.leftoverProcesses).toEqual([]);
    expect(r.leftoverFiles).toEqual([]);
  });
});

test('SIGKILL of the whole run (nothing of ours can run): the watchdogs remove the broker, its dir and the run journal', async () => {
  let killed = false;
  const r = await runSuite({
    project: 'local',
    env: QUICK,
    timeoutMs: 120000,
    onStart: (child) =>
      onceStderrMatches(child, /\[readiness local\] topics\s+pass/, () => {
        killed = true;
        process.kill(-(child.pid as number), 'SIGKILL');
      }),
  });
  expect(killed, r.stderr.slice(-2000)).toBe(true);
  expect(r.signal).toBe('SIGKILL');
  expect(r.leftoverProcesses).toEqual([]);
  expect(r.leftoverFiles).toEqual([]);
});

test('Ctrl-C (SIGINT) in the middle of a local run ends it and cleans up the broker and temp dirs', async () => {
  let interruptedAt = 0;
  const r = await runSuite({
    project: 'local',
    env: { ...QUICK, READINESS_PACED_EVENTS: '200' },
    timeoutMs: 120000,
    // In the middle: once the paced burst (200 orders, about 35 s) has its first order acknowledged.
    onStart: (child) =>
      onceStderrMatches(child, /\[readiness local\] burst\.paced: [1-9]\d* of 200 acknowledged/, () => {
        interruptedAt = Date.now();
        // What a terminal does on Ctrl-C: SIGINT to the foreground process group.
        process.kill(-(child.pid as number), 'SIGINT');
      }),
  });
  expect(interruptedAt, r.stderr.slice(-2000)).toBeGreaterThan(0);
  expect(r.code === 0 && r.signal === null).toBe(false);
  expect(r.leftoverProcesses).toEqual([]);
  expect(r.leftoverFiles).toEqual([]);
});
