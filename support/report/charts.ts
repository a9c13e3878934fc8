// The report's charts: which charts a run's measurements allow, in reading order, rendered to SVG (specs in chart-specs.ts).
import { BURST_METRIC, CHECK_ID, ROUND_TRIP_METRIC } from '../record/ids.js';
import type { ReadinessReport, ReportCheck } from './model.js';
import { acksSpec, capacityAcksSpec, distributionSpec, renderSvg, trendLineSpec, verdictTimelineSpec, waterfallSpec, type MadeSpec } from './chart-specs.js';

export interface Chart {
  /** Stable name, used by the HTML and its browser test (data-chart). */
  readonly id: string;
  readonly title: string;
  /** What the chart shows, in one line under it. */
  readonly caption: string;
  /** The data points drawn (bars, points), so a reader and a test know what to expect. */
  readonly points: number;
  readonly svg: string;
}

/** A chart the report's data asks for; `made` is undefined when the data to draw it is missing. */
interface Planned {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly made: MadeSpec | undefined;
}

function checkOf(r: ReadinessReport, id: string): ReportCheck | undefined {
  return r.checks.find((c) => c.id === id);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** p50, p95 and p99 as the check measured them, by their measured-value names. */
function percentilesOf(m: ReportCheck['measured'], names: { p50: string; p95: string; p99: string }) {
  return [
    { name: 'p50', ms: num(m[names.p50]) },
    { name: 'p95', ms: num(m[names.p95]) },
    { name: 'p99', ms: num(m[names.p99]) },
  ];
}

function connectivityCharts(r: ReadinessReport): Planned[] {
  return [{ id: 'waterfall', title: 'Connectivity stages', caption: 'Each preflight stage, in order, from its start to its end.', made: waterfallSpec(r) }];
}

function burstCharts(r: ReadinessReport): Planned[] {
  const burst = checkOf(r, CHECK_ID.burstMaxRate);
  if (!burst) return [];
  const acks = acksSpec(burst);
  const hdr = burst.samples?.ackLatency?.hdr;
  const m = burst.measured;
  return [
    {
      id: 'burst-acks',
      title: 'Max-rate burst: acknowledgements over time',
      caption: `Events acknowledged in each ${acks?.bucketMs ?? ''} ms of the burst (${m[BURST_METRIC.eventsPerSec]} events/s overall).`,
      made: acks,
    },
    {
      id: 'burst-latency',
      title: 'Max-rate burst: ack latency distribution',
      caption: "Per-event acknowledgement latency (an event takes its produce request's); dashed lines mark the measured percentiles.",
      made: hdr
        ? distributionSpec(hdr, percentilesOf(m, { p50: BURST_METRIC.ackP50, p95: BURST_METRIC.ackP95, p99: BURST_METRIC.ackP99 }), 'ack latency ms')
        : undefined,
    },
  ];
}

function roundTripCharts(r: ReadinessReport): Planned[] {
  const roundTrip = checkOf(r, CHECK_ID.roundTrip);
  const e2e = roundTrip?.samples?.e2eLatency?.hdr;
  if (!roundTrip || !e2e) return [];
  const percentiles = percentilesOf(roundTrip.measured, { p50: ROUND_TRIP_METRIC.e2eP50, p95: ROUND_TRIP_METRIC.e2eP95, p99: ROUND_TRIP_METRIC.e2eP99 });
  return [
    {
      id: 'e2e-latency',
      title: 'Round trip: end-to-end latency distribution',
      caption: 'Produce to read back, per event; dashed lines mark the measured percentiles.',
      made: distributionSpec(e2e, percentiles, 'end-to-end latency ms'),
    },
  ];
}

function capacityCharts(r: ReadinessReport): Planned[] {
  const capacity = r.capacity;
  if (!capacity) return [];
  const p = capacity.ackLatency;
  const percentiles = [
    { name: 'p50', ms: p.p50 ?? undefined },
    { name: 'p95', ms: p.p95 ?? undefined },
    { name: 'p99', ms: p.p99 ?? undefined },
  ];
  return [
    {
      id: 'capacity-acks',
      title: 'Capacity: events acknowledged per second, by shard',
      caption: `Each shard's acknowledgements per wall-clock second, stacked; the shaded band is the window in which all shards were sending.`,
      made: capacityAcksSpec(capacity),
    },
    {
      id: 'capacity-latency',
      title: 'Capacity: ack latency of all shards together',
      caption: "Every shard's samples in one merged histogram; dashed lines mark the merged percentiles.",
      made: p.count > 0 ? distributionSpec(p.hdr, percentiles, 'ack latency ms') : undefined,
    },
  ];
}

function trendCharts(r: ReadinessReport): Planned[] {
  const t = r.trend;
  if (!t) return [];
  const warnDays = num(checkOf(r, CHECK_ID.tls)?.thresholds['warn under days']);
  const certRules = warnDays !== undefined ? [{ value: warnDays, label: `warn under ${warnDays} days` }] : [];
  return [
    { id: 'trend-verdict', title: 'Trend: verdict per run', caption: `${t.points.length} runs, oldest first; this run last.`, made: verdictTimelineSpec(t) },
    {
      id: 'trend-connect',
      title: 'Trend: TCP connect and TLS handshake',
      caption: 'Slowest bootstrap host of each run.',
      made: trendLineSpec(t, ['connectMs', 'tlsHandshakeMs'], 'ms'),
    },
    {
      id: 'trend-cert',
      title: 'Trend: days to certificate expiry',
      caption: 'The dashed line is the warning threshold (READINESS_TLS_CERT_WARN_DAYS).',
      made: trendLineSpec(t, ['certDaysToExpiry'], 'days', certRules),
    },
    {
      id: 'trend-throughput',
      title: 'Trend: burst events/s',
      caption: 'Max-rate burst throughput of each run.',
      made: trendLineSpec(t, ['eventsPerSec'], 'events/s'),
    },
    {
      id: 'trend-latency',
      title: 'Trend: ack p99 and end-to-end p99',
      caption: 'Burst acknowledgement p99 and round-trip p99 of each run.',
      made: trendLineSpec(t, ['ackP99Ms', 'e2eP99Ms'], 'ms'),
    },
    {
      id: 'trend-throttle',
      title: 'Trend: broker throttle time',
      caption: 'Throttle time the broker asked for during the burst.',
      made: trendLineSpec(t, ['throttleMs'], 'ms'),
    },
  ];
}

/** The report's chart sections, in reading order. */
const CHART_SECTIONS: ReadonlyArray<(r: ReadinessReport) => Planned[]> = [connectivityCharts, burstCharts, roundTripCharts, capacityCharts, trendCharts];

/** Every chart the report's data allows, in reading order; absent data means no chart (the HTML says why). */
export async function buildCharts(r: ReadinessReport): Promise<Chart[]> {
  const charts: Chart[] = [];
  for (const p of CHART_SECTIONS.flatMap((section) => section(r))) {
    if (!p.made) continue;
    charts.push({ id: p.id, title: p.title, caption: p.caption, points: p.made.points, svg: await renderSvg(p.made.spec) });
  }
  return charts;
}
