// Where a Node process's CPU time went: a V8 CPU profile taken around a piece of work, summed by function and by part.
import { Session } from 'node:inspector/promises';

/** The parts of V8's `Profiler.Profile` this summary reads (the format Chrome DevTools loads as a .cpuprofile). */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  /** The node on top of the stack at each sample, and the microseconds since the sample before. */
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileRow {
  /** `kafkajs`, `node:tls`, `ours`, `idle` (the thread waiting on the network), `gc`, ... */
  readonly part: string;
  readonly ms: number;
  /** Of all sampled time, idle included. */
  readonly share: number;
}

export interface FunctionRow extends ProfileRow {
  readonly fn: string;
  /** Path relative to node_modules or the project, with the 1-based line (none for transpiled TypeScript). */
  readonly where: string;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Every part, most time first. */
  readonly parts: readonly ProfileRow[];
  /** The functions with the most self time, most first. */
  readonly top: readonly FunctionRow[];
}

/**
 * The part a frame belongs to: a package under node_modules, a Node built-in module (node:tls, node:stream...),
 * V8's own pseudo-frames, or this project's code.
 */
export function partOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'gc';
    if (functionName === '(program)') return 'v8';
    return 'native';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  const builtin = /^node:(?:internal\/)?([^/]+)/.exec(url);
  if (builtin?.[1] !== undefined) return `node:${builtin[1]}`;
  return 'ours';
}

function whereOf(url: string, lineNumber: number): string {
  if (url === '') return '';
  const tail = url.includes('node_modules/') ? url.slice(url.lastIndexOf('node_modules/') + 'node_modules/'.length) : url;
  const project = tail.replace(/^(?:file:\/\/)?\/.*?\/(support|scripts|tests)\//, '$1/');
  // TypeScript runs transpiled (tsx, Vitest): V8's line numbers are the transpiled code's, so they would mislead.
  return /\.[cm]?ts$/.test(project) ? project : `${project}:${lineNumber + 1}`;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Self time by part and by function, from the profile's samples (each sample weighs the time since the one before). */
export function summariseCpuProfile(profile: CpuProfile, options: { top?: number } = {}): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const share = (us: number) => (totalUs > 0 ? Math.round((us / totalUs) * 1000) / 1000 : 0);
  const parts = new Map<string, number>();
  const fns = new Map<string, { part: string; fn: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id);
    if (frame === undefined) continue;
    const part = partOf(frame.url, frame.functionName);
    parts.set(part, (parts.get(part) ?? 0) + us);
    const fn = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    const where = whereOf(frame.url, frame.lineNumber);
    const key = `${fn}@${where}`;
    const row = fns.get(key) ?? { part, fn, where, us: 0 };
    row.us += us;
    fns.set(key, row);
  }
  return {
    totalMs: round1(totalUs / 1000),
    parts: [...parts].sort((a, b) => b[1] - a[1]).map(([part, us]) => ({ part, ms: round1(us / 1000), share: share(us) })),
    top: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, options.top ?? 10)
      .map((r) => ({ part: r.part, fn: r.fn, where: r.where, ms: round1(r.us / 1000), share: share(r.us) })),
  };
}

/** Runs `work` under V8's sampling profiler (this thread only) and returns its result with the profile. */
export async function profileWhile<T>(work: () => Promise<T>, options: { intervalUs?: number } = {}): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: options.intervalUs ?? 500 });
    await session.post('Profiler.start');
    const stop = async (): Promise<CpuProfile> => (await session.post('Profiler.stop')).profile;
    let result: T;
    try {
      result = await work();
    } catch (error) {
      await stop().catch(() => undefined);
      throw error;
    }
    return { result, profile: await stop() };
  } finally {
    session.disconnect();
  }
}

/** One line per part and per top function, for a log. */
export function formatProfileSummary(summary: ProfileSummary): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rest = summary.parts.filter((p) => p.share < 0.005).length;
  return [
    `sampled ${summary.totalMs} ms; by part: ${[
      ...summary.parts.filter((p) => p.share >= 0.005).map((p) => `${p.part} ${pct(p.share)}`),
      ...(rest > 0 ? [`${rest} more under 0.5% each`] : []),
    ].join(', ')}`,
    ...summary.top.map((f) => `  ${pct(f.share).padStart(6)} ${f.fn} (${f.part}${f.where === '' ? '' : `, ${f.where}`})`),
  ];
}
