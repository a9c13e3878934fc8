// Runs `vitest run --project local` as a user's first command does: own broker, report written, nothing left behind.
import { expect, test } from 'vitest';
import { runSuite } from '../../support/self/run-suite.js';

test('a local profile run passes, writes the readiness report, and leaves no broker or temp dir behind', async () => {
  const run = await runSuite({
    project: 'local',
    env: { READINESS_BURST_EVENTS: '500', READINESS_PACED_EVENTS: '3', READINESS_ROUND_TRIP_EVENTS: '20', LOCAL_BROKER: process.env.LOCAL_BROKER ?? 'auto' },
    timeoutMs: 150000,
  });
  expect(run.code, run.stderr.slice(-3000)).toBe(0);
  expect(run.cases.filter((c) => c.status === 'fail')).toEqual([]);
  expect(run.readiness).toMatchObject({ schema: 'eventstream-readiness/report', schemaVersion: 2, profile: 'local', verdict: 'pass' });
  expect(run.readiness?.checks.map((c) => c.name)).toEqual(run.cases.map((c) => c.name));
  expect(run.readiness?.readiness.find((r) => r.name === 'SecretsStored')?.evidence).toContain('generated for this run');
  expect(run.readinessMd).toContain('## Readiness');
  expect(run.leftoverProcesses).toEqual([]);
  expect(run.leftoverFiles).toEqual([]);
});
