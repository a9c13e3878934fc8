// Raw samples and trends (unit): histograms merge like the raw values would, a slow drift is found, one bad night is not.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  AckTimeline,
  decodeHistogram,
  distribution,
  encodeHistogram,
  histogramOfMs,
  mergeHistograms,
  niceStep,
  percentilesMs,
} from '../../../support/core/histogram.js';
import { checkReadableDirectorySetting } from '../../../support/inputs/paths.js';
import { parseBaseline, REPORT_SCHEMA, type ReportCheck } from '../../../support/report/model.js';
import { renderTrend } from '../../../support/report/render.js';
import { findTrends, loadHistory, sparkline, trendFails, trendPoint, type TrendPoint, type TrendReport } from '../../../support/report/trend.js';
import { percentile } from '../../../support/core/stats.js';

/** Deterministic latencies with a long tail, like a produce path: mostly 2-20 ms, a few up to 400 ms. */
function latencies(n: number, seed: number): number[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => Math.round((next() < 0.97 ? 2 + next() * 18 : 20 + next() * 380) * 10) / 10);
}

describe('latency histograms', () => {
  const a = latencies(5000, 1);
  const b = latencies(3000, 2);
  test('percentiles of merged shard histograms equal those of one histogram of every sample, and the exact ones within 0.1%', () => {
    const merged = mergeHistograms([encodeHistogram(histogramOfMs(a)), encodeHistogram(histogramOfMs(b))]);
    const whole = histogramOfMs([...a, ...b]);
    expect(merged.totalCount).toBe(8000);
    for (const p of [50, 95, 99, 99.9]) expect(merged.getValueAtPercentile(p)).toBe(whole.getValueAtPercentile(p));
    const exact = [...a, ...b].sort((x, y) => x - y);
    for (const p of [50, 95, 99] as const) {
      const got = percentilesMs(merged)[`p${p}`];
      expect(Math.abs(got - percentile(exact, p)) / percentile(exact, p)).toBeLessThan(0.002);
    }
  });
  test('the encoding is compact and decodes to the same histogram', () => {
    const encoded = encodeHistogram(histogramOfMs(a));
    expect(encoded.length).toBeLessThan(4000);
    expect(percentilesMs(decodeHistogram(encoded))).toEqual(percentilesMs(histogramOfMs(a)));
  });
  test('distribution bins hold every sample; a long tail gets log-spaced bins, a narrow spread equal ones', () => {
    const tail = distribution(histogramOfMs(a), 40);
    expect(tail.scale).toBe('log');
    expect(tail.bins.reduce((s, x) => s + x.count, 0)).toBe(5000);
    expect(tail.bins).toHaveLength(40);
    const narrow = distribution(histogramOfMs([10, 11, 12, 15, 19.5]), 40);
    expect(narrow.scale).toBe('linear');
    expect(narrow.bins.reduce((s, x) => s + x.count, 0)).toBe(5);
  });
  test('acks per bucket add up to the acknowledged events, in round bucket widths', () => {
    const t = new AckTimeline();
    for (let i = 0; i < 40; i++) t.add(i * 7.3, 100);
    const { bucketMs, counts } = t.buckets(300);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(4000);
    expect(bucketMs).toBe(10);
    expect([0.3, 1, 3, 7, 40, 120, 999].map(niceStep)).toEqual([1, 1, 5, 10, 50, 200, 1000]);
  });
});

const point = (values: TrendPoint['values'], verdict: 'pass' | 'fail' = 'pass'): TrendPoint => ({
  generatedAt: '2026-01-01T00:00:00Z',
  verdict,
  source: 'x',
  values,
});
const rules = { minRuns: 3, tolerancePct: 20, latencyMinMs: 20 };

describe('findTrends', () => {
  test.each([
    ['events/s lower in each of the last 3 runs, 30% in all', [1000, 950, 850, 700].map((v) => point({ eventsPerSec: v })), ['eventsPerSec']],
    ['lower each run but only 10% in all: within tolerance', [1000, 980, 950, 900].map((v) => point({ eventsPerSec: v })), []],
    ['one run in the stretch better than the one before: no drift', [1000, 800, 850, 600].map((v) => point({ eventsPerSec: v })), []],
    ['fewer runs than the stretch needs', [1000, 800, 600].map((v) => point({ eventsPerSec: v })), []],
    ['ack p99 up 3 runs in a row, +100% and +50 ms', [50, 60, 80, 100].map((v) => point({ ackP99Ms: v })), ['ackP99Ms']],
    ['ack p99 up +100% but only 4 ms: under the latency floor', [4, 5, 6, 8].map((v) => point({ ackP99Ms: v })), []],
    ['days to expiry fall every night by nature: never a drift', [90, 89, 88, 10].map((v) => point({ certDaysToExpiry: v })), []],
    ['this run did not measure it: nothing to report', [...[1000, 900, 800].map((v) => point({ eventsPerSec: v })), point({})], []],
  ])('%s', (_name, points, metrics) => {
    expect(findTrends(points, rules).map((f) => f.metric)).toEqual(metrics);
  });
  test('the finding says the metric, the runs, each value and the tolerance', () => {
    const [f] = findTrends(
      [1000, 950, 850, 700].map((v) => point({ eventsPerSec: v })),
      rules,
    );
    expect(f?.message).toBe('burst events/s got lower in each of the last 3 runs: 1000 -> 950 -> 850 -> 700 (-30%, tolerance 20% in total)');
  });
});

const trend = (over: Partial<TrendReport>): TrendReport => ({
  historyDir: '/h',
  note: '3 earlier run(s) from /h',
  points: [],
  findings: [],
  policy: 'warn',
  minRuns: 3,
  tolerancePct: 20,
  skipped: [],
  ...over,
});

describe('trend report', () => {
  test('by policy a drift or a certificate near expiry warns, or fails', () => {
    expect(trendFails(trend({ certificate: 'expires in 3 days' }))).toBe(false);
    expect(trendFails(trend({ certificate: 'expires in 3 days', policy: 'fail' }))).toBe(true);
    expect(trendFails(trend({ policy: 'fail' }))).toBe(false);
  });
  test('the Markdown trend is a verdict strip and a sparkline table, which GitHub job summaries render', () => {
    const points = [point({ eventsPerSec: 1000 }), point({ eventsPerSec: 500 }, 'fail'), point({ eventsPerSec: 250 })];
    const md = renderTrend(trend({ points, findings: findTrends(points, { ...rules, minRuns: 2 }) })).join('\n');
    expect(md).toContain('3 run(s), oldest first: ✅❌✅');
    expect(md).toContain('| burst events/s | `█▃▁` | 1000 | 250 | -75% |');
    expect(md).toContain('⚠️ burst events/s got lower in each of the last 2 runs');
    expect(sparkline([1, undefined, 3])).toBe('▁ █');
  });
});

describe('history directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'readiness-history-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const check = (id: string, measured: ReportCheck['measured']): ReportCheck => ({
    id,
    name: id,
    file: 'f',
    status: 'Pass',
    measured,
    thresholds: {},
    warnings: [],
  });
  const report = (version: number, at: string, eventsPerSec: number) => ({
    schema: REPORT_SCHEMA,
    schemaVersion: version,
    generatedAt: at,
    verdict: 'pass',
    profile: 'fabric',
    checks: [check('burst.max-rate', { 'events/s': eventsPerSec })],
  });

  test('reads version 1 and 2 reports (subfolders too), oldest first, the newest N, and names what it skipped', () => {
    writeFileSync(join(dir, 'b.json'), JSON.stringify(report(2, '2026-01-03T00:00:00Z', 300)));
    mkdirSync(join(dir, 'artifact-1'));
    writeFileSync(join(dir, 'artifact-1', 'readiness.json'), JSON.stringify(report(1, '2026-01-02T00:00:00Z', 200)));
    writeFileSync(join(dir, 'a.json'), JSON.stringify(report(1, '2026-01-01T00:00:00Z', 100)));
    writeFileSync(join(dir, 'junk.json'), '{"not": "a report"}');
    const h = loadHistory({ READINESS_HISTORY_DIR: dir }, '/', 2);
    expect(h.points.map((p) => p.values.eventsPerSec)).toEqual([200, 300]);
    expect(h.skipped).toEqual([expect.stringMatching(/junk\.json is not a readiness report/)]);
    expect(loadHistory({ READINESS_HISTORY_DIR: join(dir, 'none') }, '/', 30).note).toMatch(/no history yet/);
  });
  test('a version 1 report still serves as a baseline', () => {
    expect(parseBaseline(JSON.stringify(report(1, '2026-01-01T00:00:00Z', 1)), 'v1.json').schemaVersion).toBe(1);
  });
  test('a trend point takes the slowest host and ignores checks that did not run', () => {
    const p = trendPoint(
      {
        generatedAt: 'x',
        verdict: 'pass',
        checks: [
          check('connectivity.tcp', { 'a:9093 connect ms': 3, 'b:9093 connect ms': 9 }),
          { ...check('round-trip', { 'e2e p99 ms': 5 }), status: 'Not Run' },
        ],
      },
      'this run',
    );
    expect(p.values).toEqual({ connectMs: 9 });
  });
  test('READINESS_HISTORY_DIR must be a directory; a missing one is the first night', () => {
    const what = { what: 'a directory', missingIsFine: true };
    expect(checkReadableDirectorySetting('READINESS_HISTORY_DIR', join(dir, 'none'), '/', what)).toBeUndefined();
    expect(checkReadableDirectorySetting('READINESS_HISTORY_DIR', dir, '/', what)).toBeUndefined();
    expect(checkReadableDirectorySetting('READINESS_HISTORY_DIR', join(dir, 'a.json'), '/', what)?.problem).toMatch(/a\.json is a file, not a directory/);
  });
});
