// The capacity load test's settings (READINESS_SHARD, READINESS_CAPACITY_*): parsed once, each error naming its variable.
import { SettingError, type Env } from '../inputs/settings.js';

/** Which of N shards this process is (1-based, as people count CI jobs). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The whole run's rate, split evenly across shards; `max` sends as fast as the shard can. */
export type CapacityRate = { readonly kind: 'max' } | { readonly kind: 'events'; readonly perSec: number } | { readonly kind: 'mb'; readonly perSec: number };

export interface CapacitySettings {
  readonly shard: Shard;
  readonly rate: CapacityRate;
  readonly durationS: number;
  readonly eventBytes: number;
  /** When the window starts (epoch ms), if known up front: READINESS_CAPACITY_START_AT plus the delay, or now plus the delay. */
  readonly startAt?: number;
  /** A file whose appearance gives the start time (an orchestrator writes it once every shard is up). */
  readonly startFile?: string;
  readonly startDelayS: number;
  /** The longest a shard waits for its start before it gives up. */
  readonly maxWaitS: number;
  /** Write every produce request's latency into the shard file too (for audits; large at high rates). */
  readonly samples: boolean;
}

export const SHARD_VARIABLE = 'READINESS_SHARD';
const SHARD_FORM = '"i/N" with 1 <= i <= N <= 1000, e.g. "2/4" (this job is shard 2 of 4)';

/** READINESS_SHARD, or undefined when it is not set (the normal suite runs). */
export function parseShard(raw: string | undefined): Shard | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  const m = /^(\d+)\s*\/\s*(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || index < 1 || count < 1 || index > count || count > 1000) throw new SettingError(SHARD_VARIABLE, SHARD_FORM, JSON.stringify(text));
  return { index, count };
}

const RATE_FORM = '"<number> events/s", "<number> MB/s" (1 MB = 1,000,000 bytes) or "max", for all shards together';

export function parseRate(raw: string | undefined): CapacityRate {
  const text = raw?.trim() || '1000 events/s';
  if (text === 'max') return { kind: 'max' };
  const m = /^(\d+(?:\.\d+)?)\s*(events\/s|mb\/s)$/i.exec(text);
  const perSec = Number(m?.[1]);
  if (!m || !(perSec > 0) || perSec > 100_000_000) throw new SettingError('READINESS_CAPACITY_RATE', RATE_FORM, JSON.stringify(text));
  return { kind: m[2]?.toLowerCase() === 'mb/s' ? 'mb' : 'events', perSec };
}

/** An instant as ISO-8601 (with a zone), or epoch seconds or milliseconds. */
export function parseInstant(variable: string, raw: string): number {
  const text = raw.trim();
  const expected = 'an ISO-8601 time with a zone (e.g. 2026-11-26T10:00:00Z) or epoch seconds or milliseconds';
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    // Epoch seconds stay under 1e11 until the year 5138; milliseconds are above it since 1973.
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  const ms = /(Z|[+-]\d\d:?\d\d)$/i.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) throw new SettingError(variable, expected, JSON.stringify(text));
  return ms;
}

function integer(env: Env, key: string, fallback: number, min: number, max: number, help: string): number {
  const variable = `READINESS_CAPACITY_${key}`;
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new SettingError(variable, `an integer from ${min} to ${max} (${help})`, JSON.stringify(raw));
  return n;
}

function flag(env: Env, variable: string): boolean {
  const raw = env[variable]?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new SettingError(variable, 'true or false', JSON.stringify(env[variable]));
}

/** Every capacity setting of a shard; throws a SettingError naming the first bad variable. */
export function readCapacitySettings(env: Env, now = Date.now()): CapacitySettings {
  const shard = parseShard(env[SHARD_VARIABLE]);
  if (!shard) throw new SettingError(SHARD_VARIABLE, SHARD_FORM, 'nothing');
  const rate = parseRate(env.READINESS_CAPACITY_RATE);
  const durationS = integer(env, 'DURATION_S', 60, 1, 86_400, 'how long each shard sends');
  const eventBytes = integer(env, 'EVENT_BYTES', 1024, 64, 1_000_000, 'size of each event');
  const startDelayS = integer(env, 'START_DELAY_S', 0, 0, 86_400, 'added to READINESS_CAPACITY_START_AT, or to now without it');
  const maxWaitS = integer(env, 'MAX_WAIT_S', 900, 1, 86_400, 'the longest a shard waits for its start');
  const startAtRaw = env.READINESS_CAPACITY_START_AT?.trim();
  const startFile = env.READINESS_CAPACITY_START_FILE?.trim() || undefined;
  if (startAtRaw && startFile) {
    throw new SettingError(
      'READINESS_CAPACITY_START_FILE',
      'unset when READINESS_CAPACITY_START_AT is set (one way to agree on the start)',
      JSON.stringify(startFile),
    );
  }
  const startAt = startFile ? undefined : (startAtRaw ? parseInstant('READINESS_CAPACITY_START_AT', startAtRaw) : now) + startDelayS * 1000;
  if (startAt !== undefined && startAt - now > maxWaitS * 1000) {
    throw new SettingError(
      'READINESS_CAPACITY_START_AT',
      `a start at most READINESS_CAPACITY_MAX_WAIT_S (${maxWaitS} s) from now`,
      `${new Date(startAt).toISOString()}, ${Math.round((startAt - now) / 1000)} s from now`,
    );
  }
  return { shard, rate, durationS, eventBytes, startAt, startFile, startDelayS, maxWaitS, samples: flag(env, 'READINESS_CAPACITY_SAMPLES') };
}

/** This shard's share of the run's rate, in events/s (undefined for max). */
export function shardEventsPerSec(s: Pick<CapacitySettings, 'rate' | 'shard' | 'eventBytes'>): number | undefined {
  if (s.rate.kind === 'max') return undefined;
  const total = s.rate.kind === 'events' ? s.rate.perSec : (s.rate.perSec * 1e6) / s.eventBytes;
  return total / s.shard.count;
}

export function describeRate(rate: CapacityRate): string {
  return rate.kind === 'max' ? 'max' : `${rate.perSec} ${rate.kind === 'events' ? 'events/s' : 'MB/s'}`;
}
