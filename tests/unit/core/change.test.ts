// judgeChange: the one "worse beyond tolerance" rule of the regression gate, the trend and the report.
import { describe, expect, it } from 'vitest';
import { judgeChange, percentChange } from '../../../support/core/change.js';

describe('percentChange', () => {
  it('is relative to the magnitude of the first value, to one decimal', () => {
    expect(percentChange(200, 150)).toBe(-25);
    expect(percentChange(3, 4)).toBe(33.3);
    expect(percentChange(-10, -5)).toBe(50);
  });
  it('has no base from 0', () => {
    expect(percentChange(0, 5)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('judgeChange', () => {
  it('counts a fall past the tolerance where higher is better, not one within it', () => {
    expect(judgeChange(1000, 890, { better: 'higher', tolerancePct: 10 })).toEqual({ changePct: -11, worse: true });
    expect(judgeChange(1000, 900, { better: 'higher', tolerancePct: 10 })).toEqual({ changePct: -10, worse: false });
    expect(judgeChange(1000, 2000, { better: 'higher', tolerancePct: 10 }).worse).toBe(false);
  });
  it('counts a rise past the tolerance where lower is better, only if larger than the smallest rise that counts', () => {
    expect(judgeChange(10, 20, { better: 'lower', tolerancePct: 25 })).toEqual({ changePct: 100, worse: true });
    expect(judgeChange(10, 20, { better: 'lower', tolerancePct: 25, minRise: 10 }).worse).toBe(false);
    expect(judgeChange(10, 21, { better: 'lower', tolerancePct: 25, minRise: 10 }).worse).toBe(true);
    expect(judgeChange(100, 120, { better: 'lower', tolerancePct: 25 }).worse).toBe(false);
  });
  it('counts any rise from 0 where lower is better (no base to be within)', () => {
    expect(judgeChange(0, 5, { better: 'lower', tolerancePct: 25 }).worse).toBe(true);
    expect(judgeChange(0, 5, { better: 'higher', tolerancePct: 25 }).worse).toBe(false);
  });
});
