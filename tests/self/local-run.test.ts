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
  // readiness.html charts this run's own measurements, from the raw samples kept in readiness.json.
  const burst = run.readiness?.checks.find((c) => c.id === 'burst.max-rate');
  expect(burst?.samples?.ackLatency?.hdr.length).toBeGreaterThan(0);
  expect(burst?.samples?.acksPerBucket?.counts.reduce((a, b) => a + b, 0)).toBe(500);
  for (const chart of ['waterfall', 'burst-acks', 'burst-latency', 'e2e-latency']) expect(run.readinessHtml).toContain(`data-chart="${chart}"`);
  expect(run.leftoverProcesses).toEqual([]);
  expect(run.leftoverFiles).toEqual([]);
});
