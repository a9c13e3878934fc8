// Puts a merged capacity report into readiness.json: as its `capacity` section and as the check capacity.target.
import { CHECK_ID } from '../record/ids.js';
import { readableValues } from '../core/readable.js';
import { REPORT_SCHEMA, REPORT_SCHEMA_VERSION, type ReadinessReport, type ReportCheck } from './model.js';
import type { CapacityReport } from '../capacity/model.js';

const n = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x);

/** The merged verdict as a check, so the report's verdict, summary, JUnit-minded readers and the gate see it. */
export function capacityCheck(c: CapacityReport): ReportCheck {
  const measured = readableValues({
    shards: `${c.shardsMerged.length} of ${c.shardsExpected}`,
    'events/s (all sending)': n(c.allSending?.eventsPerSec),
    'MB/s (all sending)': n(c.allSending?.mbPerSec),
    'seconds all sending': n(c.allSending?.seconds),
    'events/s (whole span)': c.span.eventsPerSec,
    'MB/s (whole span)': c.span.mbPerSec,
    acknowledged: c.totals.acknowledged,
    failed: c.totals.failed,
    'ack p50 ms': n(c.ackLatency.p50),
    'ack p99 ms': n(c.ackLatency.p99),
    'throttle total ms': c.totals.throttleMs,
    'level needed': c.levelNeeded.level ?? 'n/a',
  });
  const thresholds = readableValues({
    ...(c.target.eventsPerSec !== undefined ? { 'min events/s': c.target.eventsPerSec } : {}),
    ...(c.target.mbPerSec !== undefined ? { 'min MB/s': c.target.mbPerSec } : {}),
    ...(c.target.p99Ms !== undefined ? { 'max ack p99 ms': c.target.p99Ms } : {}),
    'failed events': 0,
    'missing shards': 0,
  });
  const pass = c.verdict === 'pass';
  return {
    id: CHECK_ID.capacityTarget,
    name: `Capacity > ${c.shardsExpected} shard(s) together reach the target (${c.target.source}) with every shard present`,
    file: 'scripts/capacity-merge.ts',
    status: pass ? 'Pass' : 'Action Required',
    measured,
    thresholds,
    warnings: [...c.warnings],
    failure: pass ? undefined : `capacity: ${c.reasons.join('; ')}`,
    diagnosis: pass
      ? undefined
      : {
          failureClass: c.problems.some((p) => p.fails) ? 'capacity-shards' : 'capacity',
          cause: c.problems.some((p) => p.fails)
            ? 'a shard is missing, failed or did not overlap the others, so the load was not what was planned'
            : 'the endpoint (or the runners) did not carry the target load',
          hint: `${c.levelNeeded.note}; see "Sizing" in docs/capacity.md`,
        },
  };
}

/** `base` with the capacity section and check added (replacing earlier ones), verdict and summary recomputed. */
export function withCapacity(base: ReadinessReport, c: CapacityReport): ReadinessReport {
  const others = base.checks.filter((x) => x.id !== CHECK_ID.capacityTarget);
  const check = capacityCheck(c);
  const checks = [...others, check];
  // The verdict before capacity: a re-merge must not keep an earlier capacity failure.
  const baseFailed = base.capacity
    ? others.some((x) => x.status === 'Action Required') || (base.comparison?.newlyFailing.length ?? 0) > 0
    : base.verdict === 'fail';
  return {
    ...base,
    verdict: !baseFailed && c.verdict === 'pass' ? 'pass' : 'fail',
    summary: {
      passed: checks.filter((x) => x.status === 'Pass').length,
      actionRequired: checks.filter((x) => x.status === 'Action Required').length,
      notRun: checks.filter((x) => x.status === 'Not Run').length,
    },
    checks,
    capacity: c,
  };
}

/** A readiness report holding only the capacity result (the merge job has no other run's report). */
export function capacityOnlyReport(c: CapacityReport, profile: ReadinessReport['profile']): ReadinessReport {
  const empty: ReadinessReport = {
    schema: REPORT_SCHEMA,
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: c.generatedAt,
    profile,
    endpoint: {
      bootstrap: c.bootstrap || '(not recorded)',
      username: '(not recorded)',
      topics: { telemetry: '(not used)', orders: c.topic || '(not recorded)' },
    },
    verdict: 'pass',
    summary: { passed: 0, actionRequired: 0, notRun: 0 },
    readiness: [],
    checks: [],
    baseline: { used: false, note: 'A capacity merge: no baseline is compared (READINESS_BASELINE applies to check runs).' },
    assessmentNote: '',
  };
  return withCapacity(empty, c);
}
