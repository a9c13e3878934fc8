// The report's charts: Vega-Lite specs of a run's real measurements, compiled and rendered to SVG in Node (no browser).
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { BURST_METRIC, CHECK_ID, ROUND_TRIP_METRIC } from '../record/ids.js';
import { decodeHistogram, distribution } from '../core/histogram.js';
import type { ReadinessReport, ReportCheck } from './model.js';
import { TREND_METRICS, type TrendMetricKey, type TrendReport } from './trend.js';

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

const COLORS = { pass: '#2e7d32', fail: '#c62828', 'not-run': '#9e9e9e', accent: '#1565c0', warn: '#ef6c00' } as const;

// The SVG is measured in Node without a canvas, so text widths are estimated; a common sans font keeps them close.
const CONFIG = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', gridColor: '#eeeeee' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'top', labelLimit: 320 },
} as const;

/** Compiles a Vega-Lite spec and renders it headless to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vega = compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } }).spec;
  const view = new View(parse(vega), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const WIDTH = 560;

type Row = Record<string, string | number>;

function checkOf(r: ReadinessReport, id: string): ReportCheck | undefined {
  return r.checks.find((c) => c.id === id);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Connectivity stages as a waterfall: each bar starts where the stage before ended. */
function waterfallSpec(r: ReadinessReport): { spec: TopLevelSpec; points: number } | undefined {
  const stages = r.connectivity?.stages;
  if (!stages?.length) return undefined;
  const values: Row[] = stages.map((s) => ({
    stage: s.stage.toUpperCase(),
    start: s.startMs,
    end: s.startMs + s.durationMs,
    status: s.status,
    label: s.status === 'not-run' ? 'not run' : `${s.durationMs} ms`,
  }));
  const y = { field: 'stage', type: 'nominal', sort: null, title: null } as const;
  return {
    points: values.length,
    spec: {
      width: WIDTH,
      height: { step: 22 },
      data: { values },
      layer: [
        {
          mark: { type: 'bar', cornerRadius: 2 },
          encoding: {
            y,
            x: { field: 'start', type: 'quantitative', title: 'ms since the preflight started' },
            x2: { field: 'end' },
            color: {
              field: 'status',
              type: 'nominal',
              title: 'stage',
              scale: { domain: ['pass', 'fail', 'not-run'], range: [COLORS.pass, COLORS.fail, COLORS['not-run']] },
            },
          },
        },
        { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { y, x: { field: 'end', type: 'quantitative' }, text: { field: 'label' } } },
      ],
    } as TopLevelSpec,
  };
}

/** Acknowledged events per time bucket of the max-rate burst. */
function acksSpec(check: ReportCheck): { spec: TopLevelSpec; points: number; bucketMs: number } | undefined {
  const b = check.samples?.acksPerBucket;
  if (!b?.counts.length) return undefined;
  const values: Row[] = b.counts.map((count, i) => ({ from: i * b.bucketMs, to: (i + 1) * b.bucketMs, count }));
  return {
    points: values.length,
    bucketMs: b.bucketMs,
    spec: {
      width: WIDTH,
      height: 160,
      data: { values },
      mark: { type: 'bar', color: COLORS.accent },
      encoding: {
        // Pre-binned data: Vega-Lite then draws each bar from zero over its own x range.
        x: { field: 'from', type: 'quantitative', bin: { binned: true }, title: 'ms since the burst started' },
        x2: { field: 'to' },
        y: { field: 'count', type: 'quantitative', title: `events acknowledged per ${b.bucketMs} ms` },
      },
    } as TopLevelSpec,
  };
}

/** A latency distribution from the check's HdrHistogram, with its percentiles marked as rules. */
function distributionSpec(
  encoded: string,
  percentiles: ReadonlyArray<{ name: string; ms: number | undefined }>,
  axisTitle: string,
): { spec: TopLevelSpec; points: number } | undefined {
  const { scale, bins } = distribution(decodeHistogram(encoded));
  if (bins.length === 0) return undefined;
  const x = { type: 'quantitative', scale: { type: scale }, title: scale === 'log' ? `${axisTitle} (log scale)` : axisTitle } as const;
  const marks = percentiles
    .filter((p): p is { name: string; ms: number } => p.ms !== undefined)
    .map((p) => ({ name: p.name, ms: p.ms, label: `${p.name} ${p.ms} ms` }));
  return {
    points: bins.length,
    spec: {
      width: WIDTH,
      height: 160,
      layer: [
        {
          data: { values: bins as unknown as Row[] },
          mark: { type: 'bar', color: COLORS.accent, opacity: 0.85 },
          encoding: {
            x: { ...x, field: 'fromMs', bin: { binned: true } },
            x2: { field: 'toMs' },
            y: { field: 'count', type: 'quantitative', title: 'events' },
          },
        },
        {
          data: { values: marks },
          mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 },
          encoding: {
            x: { ...x, field: 'ms' },
            color: { field: 'name', type: 'nominal', title: 'percentile', scale: { domain: ['p50', 'p95', 'p99'], range: ['#2e7d32', '#ef6c00', '#c62828'] } },
          },
        },
        {
          data: { values: marks },
          mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, fontSize: 10 },
          encoding: {
            x: { ...x, field: 'ms' },
            y: { value: 2 },
            yOffset: { field: 'name', type: 'nominal', scale: { domain: ['p50', 'p95', 'p99'], range: [0, 24] } },
            text: { field: 'label' },
            color: { field: 'name', type: 'nominal', legend: null },
          },
        },
      ],
    } as TopLevelSpec,
  };
}

/** A run on the x axis: when it was made (UTC, to the second, so two runs never share a place). */
function runLabel(generatedAt: string): string {
  return generatedAt.slice(5, 19).replace('T', ' ');
}

// Runs are evenly spaced, one place each, whatever the gaps between nights; crowded labels are thinned out.
const RUN_AXIS = { field: 'run', type: 'ordinal', sort: null, title: 'run (UTC)', axis: { labelAngle: -35, labelOverlap: 'greedy' } } as const;

/** One line chart of one or more trend metrics over the runs (x: when each run was made). */
function trendLineSpec(
  t: TrendReport,
  keys: readonly TrendMetricKey[],
  yTitle: string,
  rules: ReadonlyArray<{ value: number; label: string }> = [],
): { spec: TopLevelSpec; points: number } | undefined {
  const values: Row[] = [];
  for (const p of t.points) {
    for (const key of keys) {
      const v = p.values[key];
      if (v !== undefined)
        values.push({ run: runLabel(p.generatedAt), metric: TREND_METRICS.find((m) => m.key === key)?.title ?? key, value: v, source: p.source });
    }
  }
  if (values.length === 0) return undefined;
  const layers: unknown[] = [
    {
      data: { values },
      mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth: 1.5 },
      encoding: {
        x: RUN_AXIS,
        // An all-zero series (no throttling, ever) still gets a readable 0-1 axis instead of a collapsed one.
        y: { field: 'value', type: 'quantitative', title: yTitle, ...(values.every((v) => v.value === 0) ? { scale: { domain: [0, 1] } } : {}) },
        // One series needs no legend: the chart's title names it.
        color: { field: 'metric', type: 'nominal', title: null, legend: keys.length > 1 ? {} : null },
      },
    },
  ];
  if (rules.length) {
    layers.push(
      { data: { values: rules }, mark: { type: 'rule', color: COLORS.warn, strokeDash: [4, 3] }, encoding: { y: { field: 'value', type: 'quantitative' } } },
      {
        data: { values: rules },
        mark: { type: 'text', color: COLORS.warn, align: 'left', dy: -6, x: 2, fontSize: 10 },
        encoding: { y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } },
      },
    );
  }
  return { points: values.length, spec: { width: WIDTH, height: 140, layer: layers } as TopLevelSpec };
}

/** Each run as a dot, green for pass and red for fail. */
function verdictTimelineSpec(t: TrendReport): { spec: TopLevelSpec; points: number } {
  const values: Row[] = t.points.map((p) => ({ run: runLabel(p.generatedAt), verdict: p.verdict, source: p.source }));
  return {
    points: values.length,
    spec: {
      width: WIDTH,
      height: 36,
      data: { values },
      mark: { type: 'point', filled: true, size: 140, opacity: 1 },
      encoding: {
        x: RUN_AXIS,
        color: { field: 'verdict', type: 'nominal', title: 'verdict', scale: { domain: ['pass', 'fail'], range: [COLORS.pass, COLORS.fail] } },
        shape: { field: 'verdict', type: 'nominal', scale: { domain: ['pass', 'fail'], range: ['circle', 'cross'] } },
      },
    },
  };
}

interface Planned {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly made: { spec: TopLevelSpec; points: number } | undefined;
}

/** Every chart the report's data allows, in reading order; absent data means no chart (the HTML says why). */
export async function buildCharts(r: ReadinessReport): Promise<Chart[]> {
  const burst = checkOf(r, CHECK_ID.burstMaxRate);
  const roundTrip = checkOf(r, CHECK_ID.roundTrip);
  const planned: Planned[] = [];
  planned.push({
    id: 'waterfall',
    title: 'Connectivity stages',
    caption: 'Each preflight stage, in order, from its start to its end.',
    made: waterfallSpec(r),
  });
  if (burst) {
    const acks = acksSpec(burst);
    planned.push({
      id: 'burst-acks',
      title: 'Max-rate burst: acknowledgements over time',
      caption: `Events acknowledged in each ${acks?.bucketMs ?? ''} ms of the burst (${burst.measured[BURST_METRIC.eventsPerSec]} events/s overall).`,
      made: acks,
    });
    const hdr = burst.samples?.ackLatency?.hdr;
    const m = burst.measured;
    planned.push({
      id: 'burst-latency',
      title: 'Max-rate burst: ack latency distribution',
      caption: "Per-event acknowledgement latency (an event takes its produce request's); dashed lines mark the measured percentiles.",
      made: hdr
        ? distributionSpec(
            hdr,
            [
              { name: 'p50', ms: num(m[BURST_METRIC.ackP50]) },
              { name: 'p95', ms: num(m[BURST_METRIC.ackP95]) },
              { name: 'p99', ms: num(m[BURST_METRIC.ackP99]) },
            ],
            'ack latency ms',
          )
        : undefined,
    });
  }
  const e2e = roundTrip?.samples?.e2eLatency?.hdr;
  if (roundTrip && e2e) {
    const m = roundTrip.measured;
    planned.push({
      id: 'e2e-latency',
      title: 'Round trip: end-to-end latency distribution',
      caption: 'Produce to read back, per event; dashed lines mark the measured percentiles.',
      made: distributionSpec(
        e2e,
        [
          { name: 'p50', ms: num(m[ROUND_TRIP_METRIC.e2eP50]) },
          { name: 'p95', ms: num(m[ROUND_TRIP_METRIC.e2eP95]) },
          { name: 'p99', ms: num(m[ROUND_TRIP_METRIC.e2eP99]) },
        ],
        'end-to-end latency ms',
      ),
    });
  }
  const capacity = r.capacity;
  if (capacity) {
    planned.push({
      id: 'capacity-acks',
      title: 'Capacity: events acknowledged per second, by shard',
      caption: `Each shard's acknowledgements per wall-clock second, stacked; the shaded band is the window in which all shards were sending.`,
      made: capacityAcksSpec(capacity),
    });
    const p = capacity.ackLatency;
    planned.push({
      id: 'capacity-latency',
      title: 'Capacity: ack latency of all shards together',
      caption: "Every shard's samples in one merged histogram; dashed lines mark the merged percentiles.",
      made:
        p.count > 0
          ? distributionSpec(
              p.hdr,
              [
                { name: 'p50', ms: p.p50 ?? undefined },
                { name: 'p95', ms: p.p95 ?? undefined },
                { name: 'p99', ms: p.p99 ?? undefined },
              ],
              'ack latency ms',
            )
          : undefined,
    });
  }
  const t = r.trend;
  if (t) {
    const warnDays = num(checkOf(r, CHECK_ID.tls)?.thresholds['warn under days']);
    planned.push(
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
        made: trendLineSpec(t, ['certDaysToExpiry'], 'days', warnDays !== undefined ? [{ value: warnDays, label: `warn under ${warnDays} days` }] : []),
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
    );
  }
  const charts: Chart[] = [];
  for (const p of planned) {
    if (!p.made) continue;
    charts.push({ id: p.id, title: p.title, caption: p.caption, points: p.made.points, svg: await renderSvg(p.made.spec) });
  }
  return charts;
}

/** Stacked bars of acknowledgements per second and shard, with the all-sending window shaded. */
function capacityAcksSpec(c: NonNullable<ReadinessReport['capacity']>): { spec: TopLevelSpec; points: number } | undefined {
  const values: Row[] = [];
  for (const [shard, counts] of Object.entries(c.perSecond.byShard)) {
    counts.forEach((count, i) => {
      if (count > 0) values.push({ second: i, next: i + 1, shard, count });
    });
  }
  if (values.length === 0) return undefined;
  const at = (iso: string) => Date.parse(iso) / 1000 - c.perSecond.firstSecond;
  const band: Row[] = c.allSending ? [{ from: at(c.allSending.startedAt), to: at(c.allSending.endedAt) }] : [];
  return {
    points: values.length,
    spec: {
      width: WIDTH,
      height: 200,
      layer: [
        ...(band.length
          ? [
              {
                data: { values: band },
                mark: { type: 'rect', color: '#e3f2fd' },
                encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' } },
              } as const,
            ]
          : []),
        {
          data: { values },
          mark: { type: 'bar', binSpacing: 1 },
          encoding: {
            x: { field: 'second', type: 'quantitative', title: `seconds since ${new Date(c.perSecond.firstSecond * 1000).toISOString()}` },
            x2: { field: 'next' },
            y: { field: 'count', type: 'quantitative', stack: 'zero', title: 'events acknowledged' },
            color: { field: 'shard', type: 'nominal', title: 'shard' },
          },
        },
      ],
    } as TopLevelSpec,
  };
}
