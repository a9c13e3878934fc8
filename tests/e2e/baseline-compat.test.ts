// The regression gate cannot go blind: baselines from this version and from before the frozen check ids are compared
// check by check and metric by metric, and whatever cannot be compared is said, failing where a rename would hide a regression.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { CHECK_ID } from '../../support/record/ids.js';
import { TRACKED_METRICS, type ReadinessReport } from '../../support/report/model.js';
import { QUICK } from '../../support/dev/quick.js';
import { PROJECT_ROOT, runSuite } from '../../support/dev/run-suite.js';

const broker = inject('selfBroker');
const dir = mkdtempSync(join(tmpdir(), 'readiness-baseline-compat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const baselineFile = (report: unknown) => {
  const file = join(dir, `baseline-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(report));
  return file;
};
/** A baseline written by the suite before check ids were frozen as constants (schema 1, local profile). */
const BEFORE = join(PROJECT_ROOT, 'fixtures', 'baselines', 'readiness-v1-before-check-ids.json');
const tracked = TRACKED_METRICS.map((t) => `${t.checkId} ${t.metric}`).sort();
const run = (env: Record<string, string>, envFile: Record<string, string> = broker.env) =>
  runSuite({ project: 'fabric', envFile, env: { ...QUICK, ...env }, timeoutMs: 120000 });

describe('the regression gate compares everything it tracks', () => {
  let current: ReadinessReport | undefined;

  test('a baseline written by this version: every tracked check and metric is compared, nothing goes uncompared', async () => {
    const first = await run({});
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    current = first.readiness;
    const r = await run({ READINESS_BASELINE: baselineFile(current), READINESS_PERF_REGRESSION: 'warn' });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const c = r.readiness?.comparison;
    expect(c?.metrics.map((m) => `${m.checkId} ${m.metric}`).sort()).toEqual(tracked);
    expect(c?.notCompared).toEqual([]);
  });

  test('a baseline written before the change still gates: a failure is named, every tracked metric compared', async () => {
    const wrong = broker.connectionString.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${randomBytes(32).toString('base64')}`);
    const failing = await run({ READINESS_BASELINE: BEFORE }, { ...broker.env, FABRIC_KAFKA_PASSWORD: wrong });
    expect(failing.code).not.toBe(0);
    expect(failing.readiness?.comparison?.newlyFailing).toContain(CHECK_ID.sasl);
    expect(failing.cases.find((c) => c.name.includes('no check that passed'))?.failureMessage).toContain(CHECK_ID.sasl);

    const healthy = await run({ READINESS_BASELINE: BEFORE, READINESS_PERF_REGRESSION: 'warn' });
    expect(healthy.code, healthy.stderr.slice(-2000)).toBe(0);
    const c = healthy.readiness?.comparison;
    expect(c?.metrics.map((m) => `${m.checkId} ${m.metric}`).sort()).toEqual(tracked);
    // Checks added since are listed, and none of the old ones is missing.
    expect(c?.notCompared?.filter((n) => n.missingFrom === 'now')).toEqual([]);
    expect(c?.notCompared?.map((n) => n.checkId)).toContain(CHECK_ID.envEntityPath);
    const before = JSON.parse(readFileSync(BEFORE, 'utf8')) as ReadinessReport;
    expect(before.schemaVersion).toBe(1);
  });

  test('a check that passed in the baseline and is missing now (a renamed id) fails the gate, naming it', async () => {
    expect(current, 'the first test writes the current baseline').toBeDefined();
    const renamed = structuredClone(current as ReadinessReport);
    const smoke = renamed.checks.find((c) => c.id === CHECK_ID.smoke);
    if (smoke) (smoke as { id: string }).id = 'smoke.an-id-that-was-renamed';
    const r = await run({ READINESS_BASELINE: baselineFile(renamed), READINESS_PERF_REGRESSION: 'warn' });
    expect(r.code).not.toBe(0);
    const gate = r.cases.find((c) => c.name.includes('no check that passed'));
    expect(gate?.status).toBe('fail');
    expect(gate?.failureMessage).toMatch(/passed in the previous run and are missing now: smoke\.an-id-that-was-renamed/);
  });
});
