// How the preflight runs its stage table: stages judged in order, a stage with `startsWith` started alongside an
// earlier one, and its work cancelled (and waited for) when that earlier stage fails.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { withDeadline } from '../../../support/core/deadline.js';
import { judgeInOrder, type StageOutcome, type StageStep } from '../../../support/preflight/stages.js';
import { connectivityTimeline } from '../../../support/report/model.js';

/** A promise and the function that resolves it. */
function signalled(): { promise: Promise<void>; fire: () => void } {
  let fire: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

const pass = (message: string) => ({ message, measured: {} });

type Run = StageStep<undefined>['run'];

/** The preflight's pair: SASL, and metadata started alongside it. */
function saslWithMetadata(sasl: Run, metadata: Run, ...after: StageStep<undefined>[]): StageStep<undefined>[] {
  return [{ stage: 'sasl', run: sasl }, { stage: 'metadata', startsWith: 'sasl', run: metadata }, ...after];
}

/** Resolves once `what` has happened, bounded. */
const awaited = (s: { promise: Promise<void> }, what: string) => withDeadline(s.promise, 5000, what);

describe('judgeInOrder', () => {
  test('a stage with startsWith starts when that stage starts, and is judged after it, in table order', async () => {
    const metadataStarted = signalled();
    const steps = saslWithMetadata(
      // Ends only once metadata has started: it must have started alongside, not after.
      async () => {
        await awaited(metadataStarted, 'the metadata stage to start alongside');
        return pass('logged in');
      },
      async () => {
        metadataStarted.fire();
        return pass('listed');
      },
    );
    const seen: string[] = [];
    const r = await judgeInOrder(steps, undefined, (s) => seen.push(`${s.stage}:${s.status}`));
    expect(seen).toEqual(['sasl:pass', 'metadata:pass']);
    expect(r.failed).toBeUndefined();
    expect(r.stages.map((s) => s.message)).toEqual(['logged in', 'listed']);
  });

  test('a stage started alongside keeps its whole duration and starts with that stage: the waterfall draws them overlapping', async () => {
    const metadataDone = signalled();
    const steps = saslWithMetadata(
      async () => {
        await awaited(metadataDone, 'the metadata stage to end');
        return pass('logged in');
      },
      async () => {
        await sleep(30);
        metadataDone.fire();
        return pass('listed');
      },
    );
    const r = await judgeInOrder(steps, undefined);
    const [sasl, metadata] = r.stages;
    if (!sasl || !metadata) throw new Error('two stages expected');
    // Its own time, not what was left of it when its turn came.
    expect(metadata.durationMs).toBeGreaterThanOrEqual(20);
    // It started before SASL ended: side by side, not one after the other.
    expect(metadata.startMs).toBeLessThan(sasl.startMs + sasl.durationMs);
    const timeline = connectivityTimeline({ endpoint: 'h:9093', stages: r.stages, ok: true });
    expect(timeline?.stages.map((s) => [s.stage, s.startMs, s.durationMs])).toEqual([
      ['sasl', sasl.startMs, sasl.durationMs],
      ['metadata', metadata.startMs, metadata.durationMs],
    ]);
  });

  test('a stage without startsWith starts only in its turn, once the stage before it is judged', async () => {
    let tcpEnded = false;
    let tlsSawTcpEnded: boolean | undefined;
    const steps: StageStep<undefined>[] = [
      {
        stage: 'tcp',
        run: async () => {
          await Promise.resolve();
          tcpEnded = true;
          return pass('connected');
        },
      },
      {
        stage: 'tls',
        run: async () => {
          tlsSawTcpEnded = tcpEnded;
          return pass('trusted');
        },
      },
    ];
    await judgeInOrder(steps, undefined);
    expect(tlsSawTcpEnded).toBe(true);
  });

  test('when the earlier stage fails, the one started alongside is "not run", its work cancelled and waited for', async () => {
    const metadataStarted = signalled();
    let cancelledBy: AbortSignal | undefined;
    let metadataEnded = false;
    let topicsRan = false;
    const steps = saslWithMetadata(
      async () => {
        await awaited(metadataStarted, 'the metadata stage to start alongside');
        throw new Error('SASL authentication failed');
      },
      // Holds until cancelled, as a request on a connection the judge closes would.
      async (_state, signal): Promise<StageOutcome> => {
        metadataStarted.fire();
        await withDeadline(new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })), 5000, 'the cancellation');
        cancelledBy = signal;
        await Promise.resolve();
        metadataEnded = true;
        throw new Error('cancelled');
      },
      {
        stage: 'topics',
        run: async () => {
          topicsRan = true;
          return pass('found');
        },
      },
    );
    const r = await judgeInOrder(steps, undefined);
    expect(r.failed).toBe('sasl');
    expect(r.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['sasl:fail', 'metadata:not-run', 'topics:not-run']);
    expect(r.stages[1]?.message).toMatch(/not run: .* failed first/);
    expect(cancelledBy?.aborted).toBe(true);
    // Returned only after the cancelled work had ended: nothing outlives the preflight.
    expect(metadataEnded).toBe(true);
    expect(topicsRan).toBe(false);
  });
});
