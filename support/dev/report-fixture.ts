// A readiness report as the reporter builds it, for tests that render one without a run: defaults plus overrides.
import { REPORT_SCHEMA, REPORT_SCHEMA_VERSION, type ReadinessReport, type ReportCheck } from '../report/model.js';

export function reportFixture(overrides: Partial<ReadinessReport> = {}): ReadinessReport {
  return {
    schema: REPORT_SCHEMA,
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: '2026-11-30T00:00:00Z',
    profile: 'fabric',
    verdict: 'fail',
    endpoint: { bootstrap: 'h:9093', username: '$ConnectionString', topics: { telemetry: 't', orders: 'o' } },
    summary: { passed: 0, actionRequired: 0, notRun: 0 },
    readiness: [],
    checks: [],
    baseline: { used: false, note: 'no baseline' },
    assessmentNote: 'no workload profile',
    ...overrides,
  };
}

/** A check as the report shows it, with nothing but its id, status and figures. */
export function checkFixture(
  id: string,
  status: ReportCheck['status'],
  measured: ReportCheck['measured'] = {},
  thresholds: ReportCheck['thresholds'] = {},
): ReportCheck {
  return { id, name: id, file: 'tests/x.test.ts', status, measured, thresholds, warnings: [] };
}
