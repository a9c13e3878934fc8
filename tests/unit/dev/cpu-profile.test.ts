// The bench's --profile: a V8 CPU profile summed by part (kafkajs, Node's TLS, our code, idle) and by function.
import { describe, expect, it } from 'vitest';
import { formatProfileSummary, partOf, profileWhile, summariseCpuProfile, type CpuProfile } from '../../../support/dev/cpu-profile.js';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

/** Seven frames, six of them on top of the stack in 10 samples taken at uneven gaps (microseconds). */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', '') },
    { id: 2, callFrame: frame('encode', 'file:///repo/node_modules/kafkajs/src/protocol/encoder.js', 41) },
    { id: 3, callFrame: frame('write', 'node:internal/tls/wrap', 9) },
    { id: 4, callFrame: frame('buildBatch', 'file:///repo/support/producer.js', 99) },
    { id: 5, callFrame: frame('(idle)', '') },
    { id: 6, callFrame: frame('(garbage collector)', '') },
    { id: 7, callFrame: frame('', 'file:///repo/node_modules/@scope/pkg/index.js', 0) },
  ],
  samples: [2, 2, 3, 4, 5, 5, 5, 6, 2, 7],
  timeDeltas: [1000, 1000, 1000, 1000, 2000, 1000, 1000, 500, 1000, 500],
};

describe('CPU profile summary', () => {
  it('sums each sample by the time since the one before, by part and by function, most first', () => {
    const s = summariseCpuProfile(PROFILE, { top: 3 });
    expect(s.totalMs).toBe(10);
    expect(s.parts).toEqual([
      { part: 'idle', ms: 4, share: 0.4 },
      { part: 'kafkajs', ms: 3, share: 0.3 },
      { part: 'node:tls', ms: 1, share: 0.1 },
      { part: 'ours', ms: 1, share: 0.1 },
      { part: 'gc', ms: 0.5, share: 0.05 },
      { part: '@scope/pkg', ms: 0.5, share: 0.05 },
    ]);
    expect(s.top).toEqual([
      { part: 'idle', fn: '(idle)', where: '', ms: 4, share: 0.4 },
      { part: 'kafkajs', fn: 'encode', where: 'kafkajs/src/protocol/encoder.js:42', ms: 3, share: 0.3 },
      { part: 'node:tls', fn: 'write', where: 'node:internal/tls/wrap:10', ms: 1, share: 0.1 },
    ]);
    expect(formatProfileSummary(s)).toEqual([
      'sampled 10 ms; by part: idle 40.0%, kafkajs 30.0%, node:tls 10.0%, ours 10.0%, gc 5.0%, @scope/pkg 5.0%',
      '   40.0% (idle) (idle)',
      '   30.0% encode (kafkajs, kafkajs/src/protocol/encoder.js:42)',
      '   10.0% write (node:tls, node:internal/tls/wrap:10)',
    ]);
    // Transpiled TypeScript keeps its path but not V8's line, which is the transpiled code's.
    const ts = summariseCpuProfile({
      ...PROFILE,
      nodes: [{ id: 2, callFrame: frame('f', 'file:///repo/support/kafka/produce.ts', 7) }],
      samples: [2],
      timeDeltas: [1000],
    });
    expect(ts.top[0]?.where).toBe('support/kafka/produce.ts');
  });

  it('names the parts: packages, Node built-ins, V8 pseudo-frames, our code', () => {
    expect(partOf('file:///a/node_modules/kafkajs/src/x.js', 'f')).toBe('kafkajs');
    expect(partOf('file:///a/node_modules/@scope/pkg/x.js', 'f')).toBe('@scope/pkg');
    expect(partOf('node:internal/streams/writable', 'f')).toBe('node:streams');
    expect(partOf('node:buffer', 'f')).toBe('node:buffer');
    expect(partOf('', '(idle)')).toBe('idle');
    expect(partOf('', '(garbage collector)')).toBe('gc');
    expect(partOf('', '(program)')).toBe('v8');
    expect(partOf('', 'writev')).toBe('native');
    expect(partOf('file:///repo/support/kafka/produce.ts', 'f')).toBe('ours');
  });

  it('reads an empty profile as zero time, never NaN', () => {
    const s = summariseCpuProfile({ nodes: [] });
    expect(s).toEqual({ totalMs: 0, parts: [], top: [] });
    expect(formatProfileSummary(s)[0]).toBe('sampled 0 ms; by part: ');
  });

  it('profiles real work on this thread: a busy loop of ours shows as the top function', async () => {
    // Plain arithmetic, with the clock read only every 100,000 steps, so that nearly every sample lands in this frame.
    function spinForProfile(ms: number): number {
      const end = Date.now() + ms;
      let x = 1;
      while (Date.now() < end) for (let i = 0; i < 100000; i++) x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x;
    }
    const { result, profile } = await profileWhile(async () => spinForProfile(300));
    expect(typeof result).toBe('number');
    const s = summariseCpuProfile(profile);
    const spin = s.top.find((f) => f.fn === 'spinForProfile');
    expect(spin, formatProfileSummary(s).join('\n')).toMatchObject({ part: 'ours', where: 'tests/unit/dev/cpu-profile.test.ts' });
    expect(spin?.share ?? 0, formatProfileSummary(s).join('\n')).toBeGreaterThan(0.5);
  });

  it('stops the profiler when the work fails, so the next profile starts cleanly', async () => {
    await expect(profileWhile(() => Promise.reject(new Error('work failed')))).rejects.toThrow('work failed');
    const { result } = await profileWhile(async () => 42);
    expect(result).toBe(42);
  });
});
