// startWithPortRetries: only a taken port is retried, at most the given attempts, and the last failure is the one reported.
import { describe, expect, it } from 'vitest';
import { PortTaken, startWithPortRetries } from '../../../support/broker/port-retries.js';

describe('startWithPortRetries', () => {
  it('retries a taken port, restoring before each retry, and returns the first start that succeeds', async () => {
    const retries: Array<[number, number | undefined]> = [];
    const started = await startWithPortRetries({
      attempts: 3,
      attempt: async (n) => {
        if (n < 3) throw new PortTaken(new Error(`attempt ${n} lost its port`), 9000 + n);
        return `broker on attempt ${n}`;
      },
      beforeRetry: (next, taken) => retries.push([next, taken.port]),
    });
    expect(started).toBe('broker on attempt 3');
    expect(retries).toEqual([
      [2, 9001],
      [3, 9002],
    ]);
  });

  it('reports the last attempt’s own failure once the attempts are used up', async () => {
    let attempts = 0;
    const start = startWithPortRetries({
      attempts: 2,
      attempt: async (n) => {
        attempts = n;
        throw new PortTaken(new Error(`the broker did not start (attempt ${n})`));
      },
      beforeRetry: () => undefined,
    });
    await expect(start).rejects.toThrow('the broker did not start (attempt 2)');
    expect(attempts).toBe(2);
  });

  it('does not retry any other failure', async () => {
    let attempts = 0;
    const start = startWithPortRetries({
      attempts: 3,
      attempt: async () => {
        attempts++;
        throw new Error('formatting Kafka storage failed');
      },
      beforeRetry: () => undefined,
    });
    await expect(start).rejects.toThrow('formatting Kafka storage failed');
    expect(attempts).toBe(1);
  });
});
