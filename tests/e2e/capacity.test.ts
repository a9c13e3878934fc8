// The sharded capacity load test, for real: shard processes (READINESS_SHARD=i/N, --project fabric) against the
// shared local broker, started together through a start file, then merged by `npm run capacity:merge`.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localBrokerClient } from '../../support/kafka/client.js';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { ShardFile } from '../../support/capacity/model.js';
import { connectWithin, disconnectWithin, withDeadline } from '../../support/core/deadline.js';
import { mergeHistograms, percentilesMs } from '../../support/core/histogram.js';
import { onceStderrMatches, runSuite, type SuiteRun } from '../../support/dev/run-suite.js';
import { runCapacityMerge, type MergeRun } from '../../support/dev/capacity-fixtures.js';
import { CAPACITY_SELF_TOPIC } from '../../support/dev/e2e-setup.js';
import { percentile } from '../../support/core/stats.js';

const broker = inject('selfBroker');
const TOPIC = CAPACITY_SELF_TOPIC;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'readiness-capacity-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The topic's end offsets summed over its partitions (the harness's own admin client, not the shards'). */
async function endOffsetTotal(): Promise<number> {
  const kafka = localBrokerClient({
    clientId: 'capacity-self-test',
    bootstrap: `localhost:${broker.saslPort}`,
    login: { caPem: readFileSync(broker.env.FABRIC_KAFKA_CA_FILE ?? '', 'utf8'), password: broker.keys.namespace },
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retries: 2,
  });
  const admin = kafka.admin();
  try {
    await connectWithin(admin, 15000, 'admin connect');
    const offsets = await withDeadline(admin.fetchTopicOffsets(TOPIC), 15000, `end offsets of ${TOPIC}`);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await disconnectWithin(admin, 5000);
  }
}

interface ShardRun {
  readonly index: number;
  readonly reportsDir: string;
  readonly run: Promise<SuiteRun>;
  readonly child: Promise<ChildProcess>;
  /** Resolves when the shard printed that it is connected and waiting for the start file. */
  readonly ready: Promise<void>;
}

/** Starts shard i of n as a pipeline job would: `READINESS_SHARD=i/n vitest run --project fabric`. */
function startShard(index: number, count: number, startFile: string, extra: Record<string, string> = {}): ShardRun {
  const reportsDir = join(dir, `run-${count}-${index}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(reportsDir);
  let readyResolve!: () => void;
  let childResolve!: (c: ChildProcess) => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const child = new Promise<ChildProcess>((r) => (childResolve = r));
  const run = runSuite({
    project: 'fabric',
    envFile: { ...broker.env, FABRIC_TOPIC_ORDERS: TOPIC, FABRIC_ORDERS_PASSWORD: broker.keys.byTopic[TOPIC] ?? '' },
    env: {
      READINESS_SHARD: `${index}/${count}`,
      READINESS_CAPACITY_START_FILE: startFile,
      READINESS_CAPACITY_MAX_WAIT_S: '120',
      READINESS_CAPACITY_SAMPLES: 'true',
      ...extra,
    },
    reportsDir,
    timeoutMs: 170000,
    onStart: (c) => {
      childResolve(c);
      onceStderrMatches(c, new RegExp(`capacity\\.shard: shard ${index}/${count}: waiting for the start time`), readyResolve);
    },
  });
  // A shard that ends before it is ready must not leave the others waiting for it.
  void run.then(() => readyResolve());
  return { index, reportsDir, run, child, ready };
}

/** Runs `npm run capacity:merge -- <args>` and returns its exit code, output and the report it wrote. */
const merge = (args: readonly string[], env: Record<string, string> = {}): Promise<MergeRun> => runCapacityMerge(args, mkdtempSync(join(dir, 'merged-')), env);

const shardFile = (s: ShardRun) => join(s.reportsDir, `readiness-shard-${s.index}.json`);

describe('capacity shards on this machine, merged into one verdict', () => {
  test("three shards: merged totals equal the shards' acks and the broker's end-offset growth; percentiles from all samples", { timeout: 240000 }, async () => {
    const before = await endOffsetTotal();
    const startFile = join(dir, 'start-3');
    // 3 x 300 events/s of 512 bytes for 4 s: a load this 2-core machine carries beside the broker and the other tests.
    const env = { READINESS_CAPACITY_RATE: '900 events/s', READINESS_CAPACITY_DURATION_S: '4', READINESS_CAPACITY_EVENT_BYTES: '512' };
    const shards = [1, 2, 3].map((i) => startShard(i, 3, startFile, env));
    // Every shard connected and waiting: then the start is set a moment ahead, the same for all.
    await Promise.all(shards.map((s) => s.ready));
    writeFileSync(startFile, new Date(Date.now() + 1500).toISOString());
    const runs = await Promise.all(shards.map((s) => s.run));
    for (const run of runs) {
      expect(
        run.code,
        `${run.cases
          .filter((c) => c.status === 'fail')
          .map((c) => c.failureMessage)
          .join('\n')}\n${run.stderr.slice(-2000)}`,
      ).toBe(0);
      expect(run.allOutput.includes(broker.connectionString), 'a secret was printed or reported').toBe(false);
      // Only the capacity workload writes: environment and connectivity, then the capacity shard.
      const ids = run.readiness?.checks.map((c) => c.id) ?? [];
      expect(ids.filter((id) => !/^(environment|connectivity)\./.test(id))).toEqual(['capacity.shard']);
    }
    const files = shards.map((s) => JSON.parse(readFileSync(shardFile(s), 'utf8')) as ShardFile);
    const after = await endOffsetTotal();

    const merged = await merge(shards.map(shardFile));
    expect(merged.code, merged.out).toBe(0);
    const c = merged.report.capacity;
    expect(c?.verdict, merged.out).toBe('pass');
    expect(c?.shardsMerged).toEqual(['1/3', '2/3', '3/3']);
    expect(c?.problems).toEqual([]);
    const acks = files.reduce((sum, f) => sum + f.totals.acknowledged, 0);
    // Totals: the shards' own acks, the per-second counts, and what the broker actually appended.
    expect(c?.totals.acknowledged).toBe(acks);
    expect(c?.totals.failed).toBe(0);
    expect(after - before).toBe(acks);
    expect(files.reduce((sum, f) => sum + f.perSecond.acknowledged.reduce((a, b) => a + b, 0), 0)).toBe(acks);
    expect(acks).toBeGreaterThanOrEqual(Math.floor(900 * 4 * 0.9));
    // Percentiles of the merged histograms match those of every raw sample together (HdrHistogram: 3 digits).
    const all = files.flatMap((f) => (f.samples ?? []).flatMap(([ms, n]) => Array<number>(n).fill(ms))).sort((a, b) => a - b);
    expect(all.length).toBe(acks);
    for (const [p, got] of [
      [50, c?.ackLatency.p50],
      [95, c?.ackLatency.p95],
      [99, c?.ackLatency.p99],
    ] as const) {
      const exact = percentile(all, p);
      expect(Math.abs((got ?? Number.NaN) - exact), `p${p}: merged ${got} ms, all samples ${exact} ms`).toBeLessThanOrEqual(exact * 0.002 + 0.1);
    }
    expect(percentilesMs(mergeHistograms([c?.ackLatency.hdr ?? ''])).count).toBe(acks);
    // The windows overlapped, and the report says so in every form.
    expect(c?.allSending?.seconds).toBeGreaterThanOrEqual(1);
    expect(merged.report.checks.find((x) => x.id === 'capacity.target')?.status).toBe('Pass');
    expect(merged.md).toContain('## Capacity: ✅ target reached');
    expect(merged.md).toMatch(/\| 3\/3 \| .* \| ✅ Pass \|/);
    expect(merged.html).toContain('data-chart="capacity-acks"');
    expect(merged.html).toContain('data-capacity-verdict="pass"');
  });

  test('a shard killed mid-window is reported missing, and the verdict fails', { timeout: 240000 }, async () => {
    const startFile = join(dir, 'start-2');
    const env = { READINESS_CAPACITY_RATE: '400 events/s', READINESS_CAPACITY_DURATION_S: '5', READINESS_CAPACITY_EVENT_BYTES: '256' };
    const shards = [1, 2].map((i) => startShard(i, 2, startFile, env));
    await Promise.all(shards.map((s) => s.ready));
    // Shard 2 is killed (its whole process group, as a lost runner) once it has had events acknowledged.
    const victim = await (shards[1] as ShardRun).child;
    onceStderrMatches(victim, /capacity\.shard: shard 2\/2: \d+ acknowledged/, () => process.kill(-(victim.pid ?? 0), 'SIGKILL'));
    writeFileSync(startFile, new Date(Date.now() + 1500).toISOString());
    const [survivor, killed] = await Promise.all(shards.map((s) => s.run));
    expect(survivor?.code, survivor?.stderr.slice(-2000)).toBe(0);
    expect(killed?.signal).toBe('SIGKILL');
    expect(existsSync(shardFile(shards[1] as ShardRun))).toBe(false);
    expect(killed?.leftoverProcesses).toEqual([]);

    const merged = await merge([(shards[0] as ShardRun).reportsDir, (shards[1] as ShardRun).reportsDir]);
    expect(merged.code, merged.out).toBe(1);
    const c = merged.report.capacity;
    expect(c?.verdict).toBe('fail');
    expect(c?.problems).toEqual([expect.objectContaining({ shard: '2/2', kind: 'missing', fails: true })]);
    expect(merged.out).toMatch(/FAIL: shard 2\/2 missing/);
    expect(merged.md).toMatch(/\| 2\/2 \| \| missing \|/);
    expect(merged.report.verdict).toBe('fail');
    // READINESS_CAPACITY_MISSING=warn names it without failing on it; the lone shard still falls short of the rate.
    const warned = await merge([(shards[0] as ShardRun).reportsDir], { READINESS_CAPACITY_MISSING: 'warn', READINESS_CAPACITY_TARGET_EVENTS_PER_SEC: '150' });
    expect(warned.code, warned.out).toBe(0);
    expect(warned.report.capacity?.warnings.join('\n')).toMatch(/shard 2\/2 missing/);
  });

  test('bad shard settings end the run up front with one line naming the variable, and no event is sent', async () => {
    const envFile = { ...broker.env, FABRIC_TOPIC_ORDERS: TOPIC, FABRIC_ORDERS_PASSWORD: broker.keys.byTopic[TOPIC] ?? '' };
    const before = await endOffsetTotal();
    const badShard = await runSuite({ project: 'fabric', envFile, env: { READINESS_SHARD: '4/3' }, timeoutMs: 30000 });
    expect(badShard.code).toBe(2);
    expect(badShard.stderr).toMatch(/^\[readiness\] READINESS_SHARD: expected "i\/N" with 1 <= i <= N <= 1000.*, got "4\/3"$/m);
    // A start file in no folder is a path refused by the setup: tests/e2e/paths.test.ts proves it with every other path setting.
    // A rate that cannot be read fails the shard's check, naming the variable, before anything is sent.
    const badRate = await runSuite({ project: 'fabric', envFile, env: { READINESS_SHARD: '1/1', READINESS_CAPACITY_RATE: 'fast' }, timeoutMs: 60000 });
    expect(badRate.code).toBe(1);
    expect(badRate.cases.find((c) => c.status === 'fail')?.failureMessage).toMatch(/READINESS_CAPACITY_RATE: expected "<number> events\/s"/);
    expect(await endOffsetTotal()).toBe(before);
  });
});
