// The assessment informs in the report only (no JUnit testcase, no check): a baseline that still holds its old check
// id must not fail the regression gate as "passed before, missing now".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compareWithBaseline, comparisonFails, missingChecks } from '../../../support/report/gate.js';
import { REPORT_SCHEMA, type ReadinessReport, type ReportCheck } from '../../../support/report/model.js';
import { CHECK_ID, RETIRED_CHECK_ID } from '../../../support/record/ids.js';
import { FULL_RUN_CHECK_IDS } from '../../../support/dev/run-suite.js';
import { PROJECT_ROOT } from '../../../support/core/project-root.js';

const pass = (id: string): ReportCheck => ({ id, name: id, file: 'f', status: 'Pass', measured: {}, thresholds: {}, warnings: [] });
const reportOf = (checks: ReportCheck[]) =>
  ({ schema: REPORT_SCHEMA, schemaVersion: 2, generatedAt: '2026-01-01T00:00:00Z', profile: 'fabric', checks }) as unknown as ReadinessReport;
const tolerances = { throughputDropPct: 30, latencyRisePct: 50, latencyMinMs: 20, perfPolicy: 'fail' as const };

describe('the assessment is no longer a check', () => {
  test('a baseline whose readiness.assessment passed does not fail the gate now that no run reports it', () => {
    const c = compareWithBaseline([pass(CHECK_ID.smoke)], reportOf([pass(CHECK_ID.smoke), pass('readiness.assessment')]), 'b', tolerances);
    expect(missingChecks(c)).toEqual([]);
    expect(comparisonFails(c)).toBe(false);
    // Not skipped in silence: the report says why it is not compared.
    expect(c.notCompared).toContainEqual(
      expect.objectContaining({ checkId: 'readiness.assessment', missingFrom: 'now', fails: false, reason: expect.stringContaining('no longer a check') }),
    );
  });

  test('any other check that passed before and is missing now still fails the gate', () => {
    const c = compareWithBaseline([pass(CHECK_ID.smoke)], reportOf([pass(CHECK_ID.smoke), pass(CHECK_ID.roundTrip)]), 'b', tolerances);
    expect(missingChecks(c).map((n) => n.checkId)).toEqual([CHECK_ID.roundTrip]);
    expect(comparisonFails(c)).toBe(true);
  });

  test('its id stays spelled once, among the retired ids, and no check file declares it', () => {
    expect(RETIRED_CHECK_ID.assessment).toBe('readiness.assessment');
    expect(Object.values(CHECK_ID)).not.toContain('readiness.assessment');
    expect(FULL_RUN_CHECK_IDS).not.toContain('readiness.assessment');
    const readiness = readFileSync(join(PROJECT_ROOT, 'tests', '09-readiness.test.ts'), 'utf8');
    expect(readiness).not.toMatch(/Assessment: is Eventstream enough/);
  });
});
