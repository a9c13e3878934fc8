// What the trends follow (the metrics, read from each report's checks) and the trend section of a report; no I/O.
import { BURST_METRIC, CHECK_ID, CONNECTIVITY_METRIC, isPerHost, ROUND_TRIP_METRIC, type ConnectivityMetric } from '../record/ids.js';
import type { CheckRecord } from '../record/result.js';

type Values = CheckRecord['measured'];

/** The numbers recorded for a connectivity metric, one per bootstrap host. */
function perHostValues(m: Values, metric: ConnectivityMetric): number[] {
  return Object.entries(m)
    .filter(([k, v]) => isPerHost(k, metric) && typeof v === 'number')
    .map(([, v]) => v as number);
}

/** The slowest host's value (several bootstrap hosts each have one). */
function largest(m: Values, metric: ConnectivityMetric): number | undefined {
  const xs = perHostValues(m, metric);
  return xs.length ? Math.max(...xs) : undefined;
}

function smallest(m: Values, metric: ConnectivityMetric): number | undefined {
  const xs = perHostValues(m, metric);
  return xs.length ? Math.min(...xs) : undefined;
}

function exactly(name: string): (m: Values) => number | undefined {
  return (m) => (typeof m[name] === 'number' ? m[name] : undefined);
}

export interface TrendMetric {
  readonly key: string;
  readonly title: string;
  readonly checkId: string;
  readonly better: 'higher' | 'lower';
  /** latency: rises under READINESS_REGRESSION_LATENCY_MIN_MS never count; calendar: falls by itself each day, never a drift. */
  readonly kind: 'throughput' | 'latency' | 'calendar';
  readonly pick: (measured: Values) => number | undefined;
}

/** What the trends follow, read from each report's checks (so version 1 reports count too). */
export const TREND_METRICS = [
  {
    key: 'connectMs',
    title: 'TCP connect ms',
    checkId: CHECK_ID.tcp,
    better: 'lower',
    kind: 'latency',
    pick: (m: Values) => largest(m, CONNECTIVITY_METRIC.connectMs),
  },
  {
    key: 'tlsHandshakeMs',
    title: 'TLS handshake ms',
    checkId: CHECK_ID.tls,
    better: 'lower',
    kind: 'latency',
    pick: (m: Values) => largest(m, CONNECTIVITY_METRIC.handshakeMs),
  },
  {
    key: 'certDaysToExpiry',
    title: 'days to certificate expiry',
    checkId: CHECK_ID.tls,
    better: 'higher',
    kind: 'calendar',
    pick: (m: Values) => smallest(m, CONNECTIVITY_METRIC.daysToExpiry),
  },
  {
    key: 'eventsPerSec',
    title: 'burst events/s',
    checkId: CHECK_ID.burstMaxRate,
    better: 'higher',
    kind: 'throughput',
    pick: exactly(BURST_METRIC.eventsPerSec),
  },
  { key: 'ackP99Ms', title: 'burst ack p99 ms', checkId: CHECK_ID.burstMaxRate, better: 'lower', kind: 'latency', pick: exactly(BURST_METRIC.ackP99) },
  { key: 'e2eP99Ms', title: 'round-trip e2e p99 ms', checkId: CHECK_ID.roundTrip, better: 'lower', kind: 'latency', pick: exactly(ROUND_TRIP_METRIC.e2eP99) },
  {
    key: 'throttleMs',
    title: 'broker throttle ms',
    checkId: CHECK_ID.burstMaxRate,
    better: 'lower',
    kind: 'latency',
    pick: exactly(BURST_METRIC.throttleTotal),
  },
] as const satisfies readonly TrendMetric[];

export type TrendMetricKey = (typeof TREND_METRICS)[number]['key'];

export interface TrendPoint {
  readonly generatedAt: string;
  readonly verdict: 'pass' | 'fail';
  /** Where the point came from: a file under the history directory, or "this run". */
  readonly source: string;
  readonly values: Partial<Record<TrendMetricKey, number>>;
}

export interface TrendFinding {
  readonly metric: TrendMetricKey;
  readonly title: string;
  /** The values of the runs that each got worse, oldest first (this run last). */
  readonly values: readonly number[];
  readonly changePct: number;
  readonly tolerancePct: number;
  readonly message: string;
}

export interface TrendReport {
  readonly historyDir: string;
  readonly note: string;
  /** Earlier runs (at most READINESS_HISTORY_RUNS, the newest) then this run, oldest first. */
  readonly points: readonly TrendPoint[];
  readonly findings: readonly TrendFinding[];
  /** Set when the certificate expires within READINESS_TLS_CERT_WARN_DAYS. */
  readonly certificate?: string;
  readonly policy: 'warn' | 'fail';
  readonly minRuns: number;
  readonly tolerancePct: number;
  /** Files in the history directory that are not readiness reports this version reads, with the reason. */
  readonly skipped: readonly string[];
}
