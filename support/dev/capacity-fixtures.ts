// What the capacity tests share: a shard file written without a run, and `npm run capacity:merge` run as a user does.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARD_SCHEMA, SHARD_SCHEMA_VERSION, type ShardFile } from '../capacity/model.js';
import { encodeHistogram, histogramOfMs } from '../core/histogram.js';
import { PROJECT_ROOT } from '../core/project-root.js';
import type { ReadinessReport } from '../report/model.js';

export interface ShardShape {
  /** When the shard started, in whole seconds after `t0`. */
  readonly startSec?: number;
  readonly seconds?: number;
  /** Events acknowledged in each of those seconds. */
  readonly perSec?: number;
  /** Ack latencies (ms) the histogram holds; default 1-50 ms, one per event. */
  readonly latencies?: number[];
  readonly verdict?: 'pass' | 'fail';
  readonly t0?: number;
  readonly bootstrap?: string;
}

/** A shard that acknowledged `perSec` events (of 1000 bytes) in each whole second from `startSec` after `t0` for `seconds`. */
export function shardFixture(index: number, count: number, o: ShardShape = {}): ShardFile {
  const t0 = o.t0 ?? Date.parse('2026-11-26T10:00:00.000Z');
  const { startSec = 0, seconds = 5, perSec = 100 } = o;
  const startMs = t0 + startSec * 1000;
  const endMs = startMs + seconds * 1000;
  const acknowledged = perSec * seconds;
  const latencies = o.latencies ?? Array.from({ length: acknowledged }, (_, i) => 1 + (i % 50));
  return {
    schema: SHARD_SCHEMA,
    schemaVersion: SHARD_SCHEMA_VERSION,
    shard: { index, count },
    host: `runner-${index}`,
    runId: `run-${index}`,
    profile: 'fabric',
    bootstrap: o.bootstrap ?? 'ns.servicebus.windows.net:9093',
    topic: 'orders',
    requested: { rate: `${perSec * count} events/s`, shardEventsPerSec: perSec, durationS: seconds, eventBytes: 1000 },
    plannedStartAt: new Date(t0).toISOString(),
    window: { startedAt: new Date(startMs).toISOString(), endedAt: new Date(endMs).toISOString(), startMs, endMs, lateByMs: startSec * 1000 },
    totals: { attempted: acknowledged, acknowledged, failed: 0, bytes: acknowledged * 1000, throttleMs: 0, eventsPerSec: perSec, mbPerSec: perSec / 1000 },
    perSecond: {
      firstSecond: Math.floor(startMs / 1000),
      acknowledged: Array<number>(seconds).fill(perSec),
      bytes: Array<number>(seconds).fill(perSec * 1000),
      throttleMs: Array<number>(seconds).fill(0),
    },
    ackLatency: { unit: 'us', hdr: encodeHistogram(histogramOfMs(latencies)) },
    failures: [],
    verdict: o.verdict ?? 'pass',
    problems: o.verdict === 'fail' ? ['12 of 500 events failed (12 timeout)'] : [],
  };
}

export interface MergeRun {
  readonly code: number | null;
  readonly out: string;
  readonly report: ReadinessReport;
  readonly md: string;
  readonly html: string;
}

const TSX = join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/**
 * `npm run capacity:merge -- <args>` in a child process, writing its reports to `outDir`, with an empty env file of its
 * own (so a developer's .env never leaks into the verdict) and `env`; killed after 60 s.
 */
export async function runCapacityMerge(args: readonly string[], outDir: string, env: Record<string, string> = {}): Promise<MergeRun> {
  mkdirSync(outDir, { recursive: true });
  const emptyEnv = join(outDir, 'empty.env');
  writeFileSync(emptyEnv, '');
  const child = spawn(process.execPath, [TSX, 'scripts/capacity-merge.ts', ...args], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', READINESS_REPORTS_DIR: outDir, EVENTSTREAM_ENV_FILE: emptyEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
  const code = await new Promise<number | null>((r) => child.once('close', r));
  clearTimeout(timer);
  const read = (f: string) => (existsSync(join(outDir, f)) ? readFileSync(join(outDir, f), 'utf8') : '');
  return { code, out, report: JSON.parse(read('readiness.json') || 'null') as ReadinessReport, md: read('readiness.md'), html: read('readiness.html') };
}
