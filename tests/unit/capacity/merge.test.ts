// The capacity merge and settings as pure functions: windows, missing and stray shards, levels, and every bad input.
import { describe, expect, test } from 'vitest';
import { levelFor, mergeShards, parseShardFile, readMergePolicy, type MergePolicy } from '../../../support/capacity/merge.js';
import type { ShardFile } from '../../../support/capacity/model.js';
import { shardFixture, type ShardShape } from '../../../support/dev/capacity-fixtures.js';
import { capacityOnlyReport, withCapacity } from '../../../support/report/capacity.js';
import { parseInstant, parseRate, parseShard, readCapacitySettings, shardEventsPerSec } from '../../../support/capacity/settings.js';
import { renderMarkdown } from '../../../support/report/render.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');

/** A shard that acknowledged `perSec` events in each whole second from `startSec` (relative to T0) for `seconds`. */
const shard = (index: number, count: number, o: Omit<ShardShape, 't0'> = {}): ShardFile => shardFixture(index, count, { ...o, t0: T0 });

const POLICY: MergePolicy = { target: {}, missing: 'fail' };

describe('merging capacity shards', () => {
  test('totals add up second by second; the all-sending window counts only the seconds all shards were sending', () => {
    const r = mergeShards([shard(1, 2, { startSec: 0, seconds: 5 }), shard(2, 2, { startSec: 2, seconds: 5 })], [], POLICY, T0 + 10000);
    expect(r.totals.acknowledged).toBe(1000);
    expect(r.span).toMatchObject({ acknowledged: 1000, seconds: 7, eventsPerSec: 142.9 });
    // Seconds 2, 3 and 4: both shards, 200 events each.
    expect(r.allSending).toMatchObject({ seconds: 3, acknowledged: 600, eventsPerSec: 200, mbPerSec: 0.2 });
    // The default target: the requested rate (2 x 100/s) less 5%.
    expect(r.target).toEqual({ eventsPerSec: 190, source: 'the requested rate' });
    expect(r.verdict).toBe('pass');
    expect(r.perSecond.byShard['2/2']).toEqual([0, 0, 100, 100, 100, 100, 100]);
  });

  test('percentiles come from the merged histograms, never an average of percentiles', () => {
    const fast = Array<number>(900).fill(1);
    const slow = Array<number>(100).fill(100);
    const r = mergeShards([shard(1, 2, { perSec: 180, latencies: fast }), shard(2, 2, { perSec: 20, latencies: slow })], [], POLICY, T0);
    // 1,000 samples, 10% at 100 ms: p95 is 100 ms (averaging the shards' p95s would say 50.5).
    expect(r.ackLatency).toMatchObject({ count: 1000, p50: 1, p95: 100, p99: 100 });
  });

  test('a missing shard, a failed shard and an unreadable file are each named and fail the verdict', () => {
    const r = mergeShards([shard(1, 4), shard(3, 4, { verdict: 'fail' })], [{ file: 'shard-x.json', error: 'shard-x.json is not JSON' }], POLICY, T0);
    expect(r.problems.map((p) => [p.shard, p.kind, p.fails])).toEqual([
      ['shard-x.json', 'unreadable', true],
      ['2/4', 'missing', true],
      ['4/4', 'missing', true],
      ['3/4', 'failed', true],
    ]);
    expect(r.verdict).toBe('fail');
    expect(r.reasons.join('\n')).toMatch(/shard 2\/4 missing: no file readiness-shard-2.json/);
    // warn: named as warnings; the target (4 x 100/s) is then what fails.
    const warned = mergeShards([shard(1, 4), shard(3, 4, { verdict: 'fail' })], [], { ...POLICY, missing: 'warn' }, T0);
    expect(warned.warnings.join('\n')).toMatch(/shard 2\/4 missing/);
    expect(warned.reasons).toEqual([expect.stringMatching(/events\/s with all shards sending 200 is under the target 380/)]);
  });

  test('a shard whose window misses the others is named, and there is no common window', () => {
    const r = mergeShards([shard(1, 2, { startSec: 0, seconds: 3 }), shard(2, 2, { startSec: 10, seconds: 3 })], [], POLICY, T0);
    expect(r.problems.filter((p) => p.kind === 'not-overlapping').map((p) => p.shard)).toEqual(['1/2', '2/2']);
    expect(r.allSending).toBeNull();
    expect(r.verdict).toBe('fail');
  });

  test('a duplicate shard index and files of different runs are named', () => {
    const other = { ...shard(2, 2), plannedStartAt: new Date(T0 + 60000).toISOString() };
    const r = mergeShards([shard(1, 2), shard(1, 2), other], [], POLICY, T0);
    expect(r.problems.map((p) => p.kind)).toEqual(['duplicate', 'other-run']);
    expect(r.totals.acknowledged).toBe(1000);
  });

  test('explicit targets: events/s, MB/s and p99, each judged on the all-sending window', () => {
    const shards = [shard(1, 2), shard(2, 2)];
    const policy = readMergePolicy({
      READINESS_CAPACITY_TARGET_EVENTS_PER_SEC: '250',
      READINESS_CAPACITY_TARGET_MB_PER_SEC: '0.1',
      READINESS_CAPACITY_TARGET_P99_MS: '10',
    });
    const r = mergeShards(shards, [], policy, T0);
    expect(r.target.source).toBe('READINESS_CAPACITY_TARGET_*');
    expect(r.reasons).toEqual([
      expect.stringMatching(/events\/s .* 200 is under the target 250/),
      expect.stringMatching(/ack p99 50 ms .* over the target 10 ms/),
    ]);
    expect(r.levelNeeded.level).toBe('Low');
  });

  test('the throughput level a target needs', () => {
    expect(levelFor(100, 'x').level).toBe('Low');
    expect(levelFor(150, 'x').level).toBe('Low');
    expect(levelFor(150.5, 'x').level).toBe('Medium');
    expect(levelFor(350, 'x').level).toBe('High');
    expect(levelFor(401, 'x')).toMatchObject({ level: 'beyond High', note: expect.stringMatching(/split the load/) });
    expect(levelFor(null, 'x').level).toBeNull();
    // An events/s target is sized with the measured event size: 200,000/s x 1,000 bytes = 200 MB/s.
    const r = mergeShards([shard(1, 1)], [], readMergePolicy({ READINESS_CAPACITY_TARGET_EVENTS_PER_SEC: '200000' }), T0);
    expect(r.levelNeeded).toMatchObject({ mbPerSec: 200, level: 'Medium' });
  });

  test('the merged result enters readiness.json as the check capacity.target and decides the verdict', () => {
    const good = mergeShards([shard(1, 1)], [], POLICY, T0);
    const bad = mergeShards([shard(1, 2)], [], POLICY, T0);
    const report = capacityOnlyReport(good, 'fabric');
    expect(report.verdict).toBe('pass');
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([['capacity.target', 'Pass']]);
    // Merged again, into the same report: the newer result replaces the older, verdict included.
    const again = withCapacity(report, bad);
    expect(again.checks.map((c) => [c.id, c.status])).toEqual([['capacity.target', 'Action Required']]);
    expect(again.verdict).toBe('fail');
    expect(withCapacity(again, good).verdict).toBe('pass');
    const md = renderMarkdown(again);
    expect(md).toContain('## Capacity: ❌ ACTION REQUIRED');
    expect(md).toMatch(/\| 2\/2 \| \| missing \|/);
    expect(md).not.toMatch(/NaN|Infinity|undefined/);
  });

  test('a shard file is checked for its shape, naming the file', () => {
    expect(() => parseShardFile('{', 'a.json')).toThrow(/a.json is not JSON/);
    expect(() => parseShardFile('{"schema":"other"}', 'b.json')).toThrow(/b.json is not a capacity shard file/);
    expect(() => parseShardFile(JSON.stringify({ ...shard(1, 1), schemaVersion: 9 }), 'c.json')).toThrow(/schemaVersion 9/);
    expect(parseShardFile(JSON.stringify(shard(1, 1)), 'd.json').shard).toEqual({ index: 1, count: 1 });
  });
});

describe('capacity settings', () => {
  test('READINESS_SHARD is i/N with 1 <= i <= N', () => {
    expect(parseShard(undefined)).toBeUndefined();
    expect(parseShard(' 2/4 ')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/3', '4/3', '1', 'a/b', '1/1001', '-1/2']) expect(() => parseShard(bad)).toThrow(/^READINESS_SHARD: expected "i\/N"/);
  });

  test('READINESS_CAPACITY_RATE in events/s or MB/s, split across shards', () => {
    expect(parseRate(undefined)).toEqual({ kind: 'events', perSec: 1000 });
    expect(parseRate('20 MB/s')).toEqual({ kind: 'mb', perSec: 20 });
    expect(parseRate('max')).toEqual({ kind: 'max' });
    expect(() => parseRate('fast')).toThrow(/READINESS_CAPACITY_RATE: expected "<number> events\/s"/);
    expect(shardEventsPerSec({ rate: { kind: 'mb', perSec: 20 }, shard: { index: 1, count: 4 }, eventBytes: 1000 })).toBe(5000);
    expect(shardEventsPerSec({ rate: { kind: 'max' }, shard: { index: 1, count: 4 }, eventBytes: 1000 })).toBeUndefined();
  });

  test('the start: an instant, a delay after it, or a start file; never further than the longest wait', () => {
    expect(parseInstant('X', '2026-11-26T10:00:00Z')).toBe(T0);
    expect(parseInstant('X', String(T0 / 1000))).toBe(T0);
    expect(parseInstant('X', String(T0))).toBe(T0);
    expect(() => parseInstant('X', '2026-11-26 10:00')).toThrow(/^X: expected an ISO-8601 time with a zone/);
    const env = { READINESS_SHARD: '1/2', READINESS_CAPACITY_START_AT: '2026-11-26T10:00:00Z', READINESS_CAPACITY_START_DELAY_S: '90' };
    expect(readCapacitySettings(env, T0).startAt).toBe(T0 + 90000);
    expect(readCapacitySettings({ READINESS_SHARD: '1/2', READINESS_CAPACITY_START_DELAY_S: '30' }, T0).startAt).toBe(T0 + 30000);
    expect(() => readCapacitySettings({ ...env, READINESS_CAPACITY_START_DELAY_S: '3600' }, T0)).toThrow(
      /READINESS_CAPACITY_START_AT: expected a start at most READINESS_CAPACITY_MAX_WAIT_S/,
    );
    expect(() => readCapacitySettings({ ...env, READINESS_CAPACITY_START_FILE: '/tmp/x' }, T0)).toThrow(/READINESS_CAPACITY_START_FILE: expected unset/);
    expect(() => readCapacitySettings({ READINESS_SHARD: '1/2', READINESS_CAPACITY_DURATION_S: '0' }, T0)).toThrow(
      /READINESS_CAPACITY_DURATION_S: expected an integer from 1/,
    );
    expect(() => readCapacitySettings({ READINESS_SHARD: '1/2', READINESS_CAPACITY_SAMPLES: 'yes' }, T0)).toThrow(
      /READINESS_CAPACITY_SAMPLES: expected true or false/,
    );
    expect(() => readMergePolicy({ READINESS_CAPACITY_MISSING: 'ignore' })).toThrow(/READINESS_CAPACITY_MISSING: expected fail or warn/);
    expect(() => readMergePolicy({ READINESS_CAPACITY_TARGET_MB_PER_SEC: '-1' })).toThrow(/READINESS_CAPACITY_TARGET_MB_PER_SEC: expected a number above 0/);
  });
});
