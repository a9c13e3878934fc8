// Measured values reach people as finite numbers or "n/a": failure messages, JUnit properties and reports, over empty and failed results.
import { describe, expect, test } from 'vitest';
import { checkFailure } from '../../../support/checks/verdict.js';
import { formatMeasured, readableValue, readableValues } from '../../../support/core/readable.js';
import { buildReport } from '../../../support/report/build.js';
import type { CheckEntry } from '../../../support/report/model.js';
import { renderMarkdown } from '../../../support/report/render.js';
import { checkEndpointEnv } from '../../../support/inputs/config.js';
import { readSettings } from '../../../support/inputs/settings.js';
import { rate, summarize } from '../../../support/core/stats.js';

const UNREADABLE = /\b(NaN|Infinity|undefined)\b/;

/** What the burst check measures when nothing was acknowledged (the dead-endpoint case). */
function emptyBurstMeasured(): Record<string, unknown> {
  const latency = summarize([]);
  return {
    attempted: 100,
    acknowledged: 0,
    failed: 100,
    'events/s': rate(0, 0),
    'MB/s': 0 / 0,
    'ack p50 ms': latency.p50,
    'ack p99 ms': latency.p99,
    'ack max ms': latency.max,
    'not a number': Number.POSITIVE_INFINITY,
    missing: undefined,
  };
}

describe('readable values', () => {
  test('finite numbers, strings and booleans pass; NaN, Infinity, undefined and null become n/a', () => {
    expect([1.5, 0, 'x', false].map(readableValue)).toEqual([1.5, 0, 'x', false]);
    expect([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, undefined, null].map(readableValue)).toEqual(['n/a', 'n/a', 'n/a', 'n/a', 'n/a']);
  });

  test('an empty latency summary is NaN inside, and n/a wherever it is shown', () => {
    expect(summarize([]).p50).toBeNaN();
    expect(readableValues({ p50: summarize([]).p50 })).toEqual({ p50: 'n/a' });
    expect(formatMeasured(emptyBurstMeasured())).toContain('ack p50 ms=n/a');
    expect(formatMeasured(emptyBurstMeasured())).not.toMatch(UNREADABLE);
  });

  test('a failure message over a burst with no acknowledgement shows n/a, never NaN', () => {
    const error = checkFailure({
      what: 'max-rate burst: 100 of 100 events sent failed',
      measured: readableValues(emptyBurstMeasured()),
      thresholds: { 'max ack p99 ms': 5000 },
    });
    expect(error.message).toContain('ack p99 ms=n/a');
    expect(error.message).not.toMatch(UNREADABLE);
  });
});

describe('the report builder over empty and failed results', () => {
  const base = {
    profile: 'fabric' as const,
    runEnv: {},
    settings: readSettings({}),
    endpoint: checkEndpointEnv({}).parts,
    secrets: { status: 'Not Run' as const, evidence: 'no password' },
    cwd: process.cwd(),
  };

  test('no checks at all (setup stopped early): a failing report with no unreadable value', () => {
    const report = buildReport({ ...base, preflight: null, preflightSkipped: 'configuration is invalid', entries: [] });
    const text = JSON.stringify(report) + renderMarkdown(report);
    expect(text).not.toMatch(UNREADABLE);
    expect(report.checks).toEqual([]);
  });

  test('a failed burst with nothing acknowledged: measured values are n/a in JSON and Markdown', () => {
    const failed: CheckEntry = {
      id: 'burst.max-rate',
      name: 'Burst > absorbs a max-rate burst',
      file: 'tests/05-burst.test.ts',
      state: 'fail',
      // As a check journal or task meta may carry it, before any cleaning.
      check: { id: 'burst.max-rate', measured: emptyBurstMeasured() as Record<string, number>, thresholds: { 'min events/s': Number.NaN }, warnings: [] },
      message: 'max-rate burst: 100 of 100 events sent failed',
    };
    const report = buildReport({ ...base, preflight: null, preflightSkipped: '', entries: [failed] });
    const json = JSON.stringify(report);
    expect(json).not.toMatch(UNREADABLE);
    expect(json).not.toContain('null');
    expect(report.checks[0]?.measured).toMatchObject({ 'ack p50 ms': 'n/a', 'MB/s': 'n/a', missing: 'n/a', acknowledged: 0 });
    expect(report.checks[0]?.thresholds).toEqual({ 'min events/s': 'n/a' });
    expect(renderMarkdown(report)).not.toMatch(UNREADABLE);
    expect(report.verdict).toBe('fail');
  });
});
