// Latency and throughput arithmetic, kept pure so it can be unit-tested.

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentile (as Kafka's tools report them): the smallest value with at least p% at or below it. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0] as number;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
    mean: round(sorted.length ? sum / sorted.length : Number.NaN),
  };
}

export function rate(count: number, ms: number): number {
  return ms > 0 ? Math.round((count / (ms / 1000)) * 10) / 10 : 0;
}

/**
 * Throttle time the broker asked for. Responses to requests in flight together report overlapping windows,
 * so the total is the length of the union of [received, received + throttle) intervals, not their sum.
 */
export class ThrottleMeter {
  private readonly intervals: Array<[number, number]> = [];
  responses = 0;

  add(ms: number, at = performance.now()): void {
    if (ms <= 0) return;
    this.responses += 1;
    this.intervals.push([at, at + ms]);
  }

  get totalMs(): number {
    const sorted = [...this.intervals].sort((a, b) => a[0] - b[0]);
    let total = 0;
    let end = Number.NEGATIVE_INFINITY;
    for (const [s, e] of sorted) {
      if (e <= end) continue;
      total += e - Math.max(s, end);
      end = e;
    }
    return Math.round(total);
  }
}
