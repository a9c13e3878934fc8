// The one table of what a run pushes to monitoring (Prometheus names, OpenTelemetry names, units, labels), and a finished report turned into samples of it.
import { BURST_METRIC, BURST_THRESHOLD, CHECK_ID, CONNECTIVITY_METRIC, ROUND_TRIP_METRIC, ROUND_TRIP_THRESHOLD, isPerHost } from '../record/ids.js';
import type { ReadinessReport, ReportCheck } from '../report/model.js';

/** A label: its Prometheus name and the OpenTelemetry attribute it becomes (messaging semantic conventions where one fits). */
export interface MetricLabel {
  readonly prometheus: string;
  readonly otel: string;
  readonly help: string;
}

/** Every label a metric may carry: bounded sets only (never a partition, an event or a run id). */
export const LABEL = {
  check: { prometheus: 'check', otel: 'eventstream_readiness.check.id', help: 'the frozen check id (as in readiness.json)' },
  stage: { prometheus: 'stage', otel: 'eventstream_readiness.preflight.stage', help: 'the preflight stage (dns, tcp, tls, sasl, metadata, brokers, topics)' },
  topic: { prometheus: 'topic', otel: 'messaging.destination.name', help: 'the Kafka topic (event hub) written to' },
  quantile: { prometheus: 'quantile', otel: 'eventstream_readiness.quantile', help: '"0.5" or "0.99"' },
  kind: { prometheus: 'kind', otel: 'eventstream.node.kind', help: 'source or destination' },
  node: { prometheus: 'node', otel: 'eventstream.node.name', help: "the node's display name in Fabric" },
  status: { prometheus: 'status', otel: 'eventstream.node.status', help: "the node's status as Fabric reports it" },
} as const satisfies Record<string, MetricLabel>;

export type LabelKey = keyof typeof LABEL;

export interface MetricSpec {
  readonly prometheus: string;
  readonly otel: string;
  /** Every metric is a gauge pushed once per run (a batch job: the Pushgateway keeps the last push of each group). */
  readonly type: 'gauge';
  /** The OpenTelemetry unit (UCUM); the Prometheus name carries the base unit as its suffix. */
  readonly unit: string;
  readonly labels: readonly LabelKey[];
  readonly help: string;
}

const gauge = (prometheus: string, otel: string, unit: string, labels: readonly LabelKey[], help: string): MetricSpec => ({
  prometheus: `eventstream_readiness_${prometheus}`,
  otel: `eventstream_readiness.${otel}`,
  type: 'gauge',
  unit,
  labels,
  help,
});

/** The metrics, by the name the code uses. Both exporters, docs/monitoring.md and the dashboard test read this table. */
export const METRIC = {
  runSuccess: gauge('run_success', 'run.success', '1', [], "1 when the run's verdict passed, 0 when it failed"),
  runEnd: gauge('run_end_timestamp_seconds', 'run.end_timestamp', 's', [], "the run's end, Unix time in seconds"),
  runDuration: gauge('run_duration_seconds', 'run.duration', 's', [], "the run's wall time"),
  checkStatus: gauge('check_status', 'check.status', '1', ['check'], 'each check: 1 passed, 0 failed, -1 not run or skipped'),
  stageDuration: gauge('preflight_stage_duration_seconds', 'preflight.stage.duration', 's', ['stage'], "each preflight stage's time"),
  tlsExpiry: gauge(
    'tls_certificate_expiry_seconds',
    'tls.certificate.expiry',
    's',
    [],
    "seconds until the endpoint's certificate expires (smallest over hosts)",
  ),
  tlsWarning: gauge(
    'tls_certificate_warning_seconds',
    'tls.certificate.warning',
    's',
    [],
    "the certificate warning threshold (the run's warning days x 86400)",
  ),
  burstEvents: gauge('burst_events_per_second', 'burst.events_rate', '{event}/s', ['topic'], 'max-rate burst throughput in events per second'),
  burstBytes: gauge('burst_bytes_per_second', 'burst.bytes_rate', 'By/s', ['topic'], 'max-rate burst throughput in bytes per second'),
  ackLatency: gauge('burst_ack_latency_seconds', 'burst.ack_latency', 's', ['topic', 'quantile'], 'max-rate burst ack latency percentiles'),
  ackThreshold: gauge(
    'burst_ack_latency_threshold_seconds',
    'burst.ack_latency.threshold',
    's',
    ['topic'],
    'the ack p99 warn threshold the run judged against',
  ),
  e2eLatency: gauge('round_trip_latency_seconds', 'round_trip.latency', 's', ['topic', 'quantile'], 'round trip produce-to-consume latency percentiles'),
  e2eThreshold: gauge(
    'round_trip_latency_threshold_seconds',
    'round_trip.latency.threshold',
    's',
    ['topic'],
    'the e2e p99 warn threshold the run judged against',
  ),
  lost: gauge('round_trip_lost_messages', 'round_trip.lost', '{message}', ['topic'], 'round-trip events sent and never read back'),
  duplicates: gauge('round_trip_duplicate_messages', 'round_trip.duplicates', '{message}', ['topic'], 'round-trip events read back more than once'),
  throttle: gauge('throttle_time_seconds', 'burst.throttle_time', 's', ['topic'], "the max-rate burst's total broker throttle time"),
  nodeRunning: gauge('eventstream_node_running', 'eventstream.node.running', '1', ['kind', 'node', 'status'], '1 when Fabric reports the node Running, else 0'),
} as const satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof METRIC;

/** The same metrics as one list, in the table's order. */
export const METRICS: readonly MetricSpec[] = Object.values(METRIC);

/** One value of one metric, its labels keyed by LABEL. */
export interface Sample {
  readonly metric: MetricKey;
  readonly labels: Partial<Record<LabelKey, string>>;
  readonly value: number;
}

/** What the report does not hold: the run's wall time, measured by whoever ran it. */
export interface SampleOptions {
  readonly durationSeconds?: number;
  /** The run's end; the report's generatedAt when absent. */
  readonly endedAt?: Date;
}

const STATUS_VALUE: Record<ReportCheck['status'], number> = { Pass: 1, 'Action Required': 0, 'Not Run': -1 };
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const seconds = (ms: unknown): number | undefined => (num(ms) === undefined ? undefined : (ms as number) / 1000);

/** Samples whose value is known (a figure a check did not record is left out, never pushed as 0). */
function known(metric: MetricKey, labels: Sample['labels'], value: number | undefined): Sample[] {
  return value === undefined ? [] : [{ metric, labels, value }];
}

function runSamples(report: ReadinessReport, options: SampleOptions): Sample[] {
  const end = options.endedAt ?? new Date(report.generatedAt);
  return [
    { metric: 'runSuccess', labels: {}, value: report.verdict === 'pass' ? 1 : 0 },
    { metric: 'runEnd', labels: {}, value: end.getTime() / 1000 },
    ...known('runDuration', {}, options.durationSeconds),
    ...report.checks.map((c): Sample => ({ metric: 'checkStatus', labels: { check: c.id }, value: STATUS_VALUE[c.status] })),
    ...(report.connectivity?.stages ?? [])
      .filter((s) => s.status !== 'not-run')
      .map((s): Sample => ({ metric: 'stageDuration', labels: { stage: s.stage }, value: s.durationMs / 1000 })),
  ];
}

/** Seconds to the earliest certificate expiry: from each host's `valid to`, else its whole days to expiry. */
function tlsSamples(report: ReadinessReport): Sample[] {
  const tls = report.checks.find((c) => c.id === CHECK_ID.tls);
  if (!tls || tls.status === 'Not Run') return [];
  const at = new Date(report.generatedAt).getTime();
  const entries = Object.entries(tls.measured);
  const fromDates = entries.filter(([k, v]) => k.endsWith('valid to') && typeof v === 'string').map(([, v]) => (Date.parse(v as string) - at) / 1000);
  const fromDays = entries.filter(([k]) => isPerHost(k, CONNECTIVITY_METRIC.daysToExpiry)).map(([, v]) => (num(v) ?? NaN) * 86400);
  const expiries = (fromDates.length ? fromDates : fromDays).filter(Number.isFinite);
  const warnDays = num(tls.thresholds['warn under days']);
  return [
    ...known('tlsExpiry', {}, expiries.length ? Math.min(...expiries) : undefined),
    ...known('tlsWarning', {}, warnDays === undefined ? undefined : warnDays * 86400),
  ];
}

function burstSamples(report: ReadinessReport): Sample[] {
  const burst = report.checks.find((c) => c.id === CHECK_ID.burstMaxRate);
  if (!burst || burst.status === 'Not Run') return [];
  const m = burst.measured;
  const topic = report.endpoint.topics.orders;
  const mb = num(m[BURST_METRIC.mbPerSec]);
  return [
    ...known('burstEvents', { topic }, num(m[BURST_METRIC.eventsPerSec])),
    // The burst records MB/s as 10^6 bytes (eventsPerSec x event bytes / 1e6).
    ...known('burstBytes', { topic }, mb === undefined ? undefined : mb * 1e6),
    ...known('ackLatency', { topic, quantile: '0.5' }, seconds(m[BURST_METRIC.ackP50])),
    ...known('ackLatency', { topic, quantile: '0.99' }, seconds(m[BURST_METRIC.ackP99])),
    ...known('ackThreshold', { topic }, seconds(burst.thresholds[BURST_THRESHOLD.ackP99WarnMs])),
    ...known('throttle', { topic }, seconds(m[BURST_METRIC.throttleTotal])),
  ];
}

function roundTripSamples(report: ReadinessReport): Sample[] {
  const rt = report.checks.find((c) => c.id === CHECK_ID.roundTrip);
  if (!rt || rt.status === 'Not Run') return [];
  const m = rt.measured;
  const topic = report.endpoint.topics.telemetry;
  return [
    ...known('e2eLatency', { topic, quantile: '0.5' }, seconds(m[ROUND_TRIP_METRIC.e2eP50])),
    ...known('e2eLatency', { topic, quantile: '0.99' }, seconds(m[ROUND_TRIP_METRIC.e2eP99])),
    ...known('e2eThreshold', { topic }, seconds(rt.thresholds[ROUND_TRIP_THRESHOLD.e2eP99WarnMs])),
    ...known('lost', { topic }, num(m.lost)),
    ...known('duplicates', { topic }, num(m.duplicates)),
  ];
}

/** The merged capacity load, pushed as the burst's figures of the capacity profile (its topic is the shards' topic). */
function capacitySamples(report: ReadinessReport): Sample[] {
  const c = report.capacity;
  if (!c) return [];
  const topic = c.topic;
  const rate = c.allSending ?? c.span;
  const ms = (v: number | null) => (v === null ? undefined : v / 1000);
  return [
    { metric: 'burstEvents', labels: { topic }, value: rate.eventsPerSec },
    { metric: 'burstBytes', labels: { topic }, value: rate.mbPerSec * 1e6 },
    ...known('ackLatency', { topic, quantile: '0.5' }, ms(c.ackLatency.p50)),
    ...known('ackLatency', { topic, quantile: '0.99' }, ms(c.ackLatency.p99)),
    ...known('ackThreshold', { topic }, c.target.p99Ms === undefined ? undefined : c.target.p99Ms / 1000),
    { metric: 'throttle', labels: { topic }, value: c.totals.throttleMs / 1000 },
  ];
}

function nodeSamples(report: ReadinessReport): Sample[] {
  const nodes = report.controlPlane?.configured ? (report.controlPlane.topology?.nodes ?? []) : [];
  return nodes
    .filter((n) => n.kind === 'source' || n.kind === 'destination')
    .map((n): Sample => ({
      metric: 'nodeRunning',
      labels: { kind: n.kind, node: n.name, status: n.status ?? 'unknown' },
      value: n.status === 'Running' ? 1 : 0,
    }));
}

/** A finished run's report (readiness.json, or the capacity merge's) as samples of METRIC. */
export function samplesOf(report: ReadinessReport, options: SampleOptions = {}): Sample[] {
  return [
    ...runSamples(report, options),
    ...tlsSamples(report),
    ...burstSamples(report),
    ...roundTripSamples(report),
    ...capacitySamples(report),
    ...nodeSamples(report),
  ];
}
