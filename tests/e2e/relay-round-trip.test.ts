// The round trip through a relay that plays the Eventstream (LOCAL_RELAY): keys dropped, re-batched JSON, events
// dropped after the ack, a lagging destination. What survives is reported; only loss, order and latency fail.
import { describe, expect, test } from 'vitest';
import { QUICK_RELAY } from '../../support/dev/quick.js';
import { failuresOf, runSuite, type SuiteRun } from '../../support/dev/run-suite.js';

const viaRelay = (shape: string, env: Record<string, string> = {}) =>
  runSuite({ project: 'local', env: { ...QUICK_RELAY, LOCAL_RELAY: shape, ...env }, timeoutMs: 150000 });
const roundTripOf = (r: SuiteRun) => r.readiness?.checks.find((c) => c.id === 'round-trip');

describe('the round trip through an Eventstream-like relay', () => {
  test('keys and headers dropped, events re-batched as JSON lines: passes, order judged from the value, the losses reported as findings', async () => {
    const r = await viaRelay('drop-keys,json-lines');
    expect(r.code, failuresOf(r)).toBe(0);
    const check = roundTripOf(r);
    expect(check?.status).toBe('Pass');
    expect(check?.measured).toMatchObject({
      lost: 0,
      'order violations': 0,
      'path kept record keys': '0/24',
      'path kept headers': '0/24',
      'keys on several partitions': 0,
    });
    expect(String(check?.measured['one record per event'])).not.toBe('24/24');
    expect(check?.warnings.join('\n')).toMatch(/dropped the record key of 24 of 24 events[\s\S]*re-batched/);
  });

  test('events dropped after the source acknowledged them (as a schema-associated eventstream does), the rest re-batched as JSON arrays: lost, with its real causes', async () => {
    const r = await viaRelay('drop-every=4,json-array', { READINESS_ROUND_TRIP_TIMEOUT_MS: '4000' });
    expect(r.code).not.toBe(0);
    const check = roundTripOf(r);
    expect(check?.status).toBe('Action Required');
    // Every event that came back was read out of its array, none counted as one record per event.
    expect(check?.measured).toMatchObject({ lost: 6, 'received unique': 18, 'one record per event': '0/18' });
    expect(check?.failure).toMatch(/lost 6/);
    expect(check?.failure).toMatch(
      /not connected to the source, or lags[\s\S]*schema associated and drops events[\s\S]*another reader shares the consumer group/,
    );
    // Only the round trip sees it: the source acknowledged every event.
    expect(
      r.cases.filter((c) => c.status === 'fail').map((c) => c.name),
      failuresOf(r),
    ).toEqual([expect.stringContaining('reads back every event')]);
  });

  test('a destination lagging more than the wait: lost, the lag named first among the causes', async () => {
    const r = await viaRelay('delay=3000', { READINESS_ROUND_TRIP_TIMEOUT_MS: '1000' });
    expect(r.code).not.toBe(0);
    expect(roundTripOf(r)?.failure).toMatch(
      /came back within 1000 ms; lost \d+[\s\S]*Real causes: \(1\) the destination is not connected to the source, or lags/,
    );
    expect(r.leftoverProcesses).toEqual([]);
  });
});
