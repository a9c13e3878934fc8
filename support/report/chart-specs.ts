// The report's chart specs: Vega-Lite specs of a run's real measurements, and their headless rendering to SVG (no browser).
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { decodeHistogram, distribution } from '../core/histogram.js';
import type { ReadinessReport, ReportCheck } from './model.js';
import { TREND_METRICS, type TrendMetricKey, type TrendReport } from './trend.js';

/** A chart's Vega-Lite spec and the data points it draws. */
export interface MadeSpec {
  readonly spec: TopLevelSpec;
  readonly points: number;
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

/** Connectivity stages as a waterfall: each bar starts where the stage before ended. */
export function waterfallSpec(r: ReadinessReport): { spec: TopLevelSpec; points: number } | undefined {
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
export function acksSpec(check: ReportCheck): { spec: TopLevelSpec; points: number; bucketMs: number } | undefined {
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
export function distributionSpec(
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
export function trendLineSpec(
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
export function verdictTimelineSpec(t: TrendReport): { spec: TopLevelSpec; points: number } {
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

/** Stacked bars of acknowledgements per second and shard, with the all-sending window shaded. */
export function capacityAcksSpec(c: NonNullable<ReadinessReport['capacity']>): { spec: TopLevelSpec; points: number } | undefined {
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
