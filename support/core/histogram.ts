// Raw latency samples kept as mergeable HdrHistograms (and acks per time bucket), so runs and shards can be combined.
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, JsHistogram, type Histogram } from 'hdr-histogram-js';

/**
 * Latencies are recorded in microseconds: HdrHistogram stores integers, and our timings have 0.1 ms resolution.
 * Three significant digits keep every percentile within 0.1% of the exact value at any magnitude.
 */
export const LATENCY_UNIT = 'us' as const;
const SIGNIFICANT_DIGITS = 3;

/** An empty latency histogram that grows to whatever value it is given. */
export function latencyHistogram(): Histogram {
  return build({ numberOfSignificantValueDigits: SIGNIFICANT_DIGITS, autoResize: true, lowestDiscernibleValue: 1 });
}

/** Records `count` events that each took `ms` (a produce request's latency applies to every event in it). */
export function recordLatencyMs(h: Histogram, ms: number, count = 1): void {
  if (!Number.isFinite(ms) || ms < 0 || count <= 0) return;
  h.recordValueWithCount(Math.max(1, Math.round(ms * 1000)), count);
}

/** A histogram of the given latencies (ms). */
export function histogramOfMs(values: readonly number[]): Histogram {
  const h = latencyHistogram();
  for (const v of values) recordLatencyMs(h, v);
  return h;
}

/** HdrHistogram's standard compressed base64 form (readable by the Java and Go ports too). */
export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return decodeFromCompressedBase64(encoded);
}

/** One histogram holding every sample of the given encoded histograms: percentiles of several runs or shards. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const merged = latencyHistogram();
  for (const e of encoded) merged.add(decodeHistogram(e));
  return merged;
}

export interface LatencyPercentiles {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Percentiles in ms (0.1 ms resolution), as the checks report them. */
export function percentilesMs(h: Histogram): LatencyPercentiles {
  const ms = (us: number) => Math.round(us / 100) / 10;
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
}

export interface DistributionBin {
  readonly fromMs: number;
  readonly toMs: number;
  readonly count: number;
}

export interface Distribution {
  /** log when the largest value is 20 times the smallest or more: a latency tail then keeps the body readable. */
  readonly scale: 'linear' | 'log';
  readonly bins: DistributionBin[];
}

/**
 * The histogram's samples in about `bins` bins (ms) between its smallest and largest value, for a distribution
 * chart: equal widths, or equal ratios on a log scale. Each recorded value range counts in the bin of its value.
 */
export function distribution(h: Histogram, bins = 40): Distribution {
  if (h.totalCount === 0) return { scale: 'linear', bins: [] };
  const lo = Math.max(h.minNonZeroValue / 1000, 0.001);
  const hi = Math.max(h.maxValue / 1000, lo);
  const scale = hi / lo >= 20 ? 'log' : 'linear';
  const width = Math.max((hi - lo) / bins, 0.1);
  const ratio = (hi / lo) ** (1 / bins);
  const count = scale === 'log' ? bins : Math.max(1, Math.ceil((hi - lo) / width) + 1);
  const edge = (i: number) => (scale === 'log' ? lo * ratio ** i : lo + i * width);
  const binOf = (ms: number) => (scale === 'log' ? Math.floor(Math.log(ms / lo) / Math.log(ratio)) : Math.floor((ms - lo) / width));
  const counts = new Array<number>(count).fill(0);
  // Decoded histograms are always the JS implementation; its iterator visits every non-empty value range.
  const js = h instanceof JsHistogram ? h : decodeHistogram(encodeHistogram(h));
  const it = (js as JsHistogram).recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    const i = Math.min(count - 1, Math.max(0, binOf(Math.max(v.valueIteratedTo / 1000, lo))));
    counts[i] = (counts[i] ?? 0) + v.countAtValueIteratedTo;
  }
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { scale, bins: counts.map((c, i) => ({ fromMs: round(edge(i)), toMs: round(edge(i + 1)), count: c })) };
}

/** Acknowledged events per fixed time bucket since a burst started. */
export interface AckBuckets {
  readonly bucketMs: number;
  readonly counts: readonly number[];
}

/**
 * Counts acknowledged events by when their acknowledgement arrived. The bucket width is chosen at the end, from
 * the burst's length, so a 0.2 s local burst and a 60 s remote one both chart as about `buckets` bars.
 */
export class AckTimeline {
  private readonly acks: Array<[atMs: number, count: number]> = [];

  add(atMs: number, count: number): void {
    this.acks.push([atMs, count]);
  }

  buckets(durationMs: number, buckets = 50): AckBuckets {
    const span = Math.max(durationMs, ...this.acks.map(([at]) => at), 1);
    const bucketMs = niceStep(span / buckets);
    const counts = new Array<number>(Math.max(1, Math.ceil(span / bucketMs))).fill(0);
    for (const [at, count] of this.acks) {
      const i = Math.min(counts.length - 1, Math.floor(at / bucketMs));
      counts[i] = (counts[i] ?? 0) + count;
    }
    return { bucketMs, counts };
  }
}

/** The smallest of 1, 2, 5 x 10^n ms at or above `raw` (at least 1 ms), so axis ticks read as round numbers. */
export function niceStep(raw: number): number {
  const target = Math.max(1, raw);
  const power = 10 ** Math.floor(Math.log10(target));
  for (const m of [1, 2, 5, 10]) if (m * power >= target) return m * power;
  return 10 * power;
}
