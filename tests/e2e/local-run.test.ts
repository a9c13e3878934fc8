// Runs `vitest run --project local` as a user's first command does: own broker, report written, nothing left behind.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { userVisible } from '../../support/dev/golden.js';
import { PROJECT_ROOT, runSuite } from '../../support/dev/run-suite.js';

/** What users see of a local run, recorded before the support/ layout moved (issue 20): change it only on purpose. */
const GOLDEN = join(PROJECT_ROOT, 'fixtures', 'golden', 'local-run.txt');

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
  // The golden list: JUnit titles with their property names, readiness.json keys and rows, headings, printed summary.
  // A deliberate change rewrites it with READINESS_UPDATE_GOLDEN=1 and says so in the CHANGELOG.
  const seen = userVisible({
    junitXml: run.junitXml,
    readinessJson: JSON.stringify(run.readiness),
    readinessMd: run.readinessMd,
    printed: `${run.stdout}\n${run.stderr}`,
  });
  if (process.env.READINESS_UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${seen.join('\n')}\n`);
  expect(seen.join('\n')).toBe(readFileSync(GOLDEN, 'utf8').trimEnd());
});
