// The checks' judgements that need no broker: warn-level thresholds, the size checks' framing and promptness, one cause per run.
import { KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { explainByEarlierDenial, failureClassIn, warningsAbove } from '../../../support/checks/verdict.js';
import { acceptedSizeFailure, expectPromptRefusal, notAcceptingAfterRefusal } from '../../../support/checks/size-limits.js';
import { diagnose } from '../../../support/kafka/diagnosis.js';
import { NUMBER_SETTINGS, readSettingsChecked } from '../../../support/inputs/settings.js';
import { BURST_THRESHOLD, PACED_THRESHOLD, ROUND_TRIP_THRESHOLD } from '../../../support/record/ids.js';
import type { CheckEntry } from '../../../support/report/model.js';

const protocolError = (type: string, code: number) =>
  new KafkaJSProtocolError(Object.assign(new Error(`broker said ${type}`), { type, code, retriable: false }));
const denied = diagnose(protocolError('TOPIC_AUTHORIZATION_FAILED', 29));
const tooLarge = diagnose(protocolError('MESSAGE_TOO_LARGE', 10));
const lineOf = (message: string, label: string) => message.split('\n').find((l) => l.startsWith(`${label}: `)) ?? '';

describe('warn-level thresholds', () => {
  const stall = { name: 'ack max ms', limit: 3000, setting: 'READINESS_PACED_ACK_WARN_MS', cause: 'the endpoint stalled' };

  test('an ack max of 19,967 ms against 3,000 warns, naming the check, the value, the threshold, its setting and the cause', () => {
    expect(warningsAbove('paced burst', [{ ...stall, value: 19967 }])).toEqual([
      'paced burst: ack max ms 19967 > warn 3000 (READINESS_PACED_ACK_WARN_MS); likely cause: the endpoint stalled',
    ]);
  });

  test('at or under the threshold, or with nothing measured, there is no warning', () => {
    expect(warningsAbove('paced burst', [{ ...stall, value: 3000 }])).toEqual([]);
    expect(warningsAbove('paced burst', [{ ...stall, value: 12 }])).toEqual([]);
    expect(warningsAbove('paced burst', [{ ...stall, value: Number.NaN }])).toEqual([]);
  });

  test('the new settings default to what a healthy endpoint never reaches, and are read from READINESS_*', () => {
    const { settings, problems } = readSettingsChecked({
      READINESS_PACED_ACK_WARN_MS: '500',
      READINESS_BURST_ACK_P99_WARN_MS: '600',
      READINESS_ROUND_TRIP_E2E_P99_WARN_MS: '700',
    });
    expect(problems).toEqual([]);
    expect([settings.PACED_ACK_WARN_MS, settings.BURST_ACK_P99_WARN_MS, settings.ROUND_TRIP_E2E_P99_WARN_MS]).toEqual([500, 600, 700]);
    // Warn before failing: each warn default is under the failing threshold of the same value.
    expect(NUMBER_SETTINGS.BURST_ACK_P99_WARN_MS.default).toBeLessThan(NUMBER_SETTINGS.BURST_MAX_P99_MS.default);
    expect(NUMBER_SETTINGS.ROUND_TRIP_E2E_P99_WARN_MS.default).toBeLessThan(NUMBER_SETTINGS.ROUND_TRIP_MAX_P99_MS.default);
    expect(NUMBER_SETTINGS.PACED_ACK_WARN_MS.default).toBeGreaterThanOrEqual(1000);
  });

  test('the threshold names the monitoring alerts read are spelled once', () => {
    expect(BURST_THRESHOLD.ackP99WarnMs).toBe('ack p99 warn ms');
    expect(PACED_THRESHOLD.ackMaxWarnMs).toBe('ack max warn ms');
    expect(ROUND_TRIP_THRESHOLD.e2eP99WarnMs).toBe('e2e p99 warn ms');
  });
});

describe('the size checks', () => {
  const measured = { 'event bytes': 1_000_000 };

  test('a send denied by authorization is not framed as a size refusal, and names the topic', () => {
    const message = acceptedSizeFailure({ bytes: 1_000_000, topic: 'orders', d: denied, measured }).message;
    expect(message).toMatch(/^sending to "orders" failed \(authorization\)/);
    expect(message).not.toMatch(/was refused|accepts up to 1 MB/);
    expect(failureClassIn(message)).toBe('authorization');
    expect(lineOf(message, 'Next')).toBe(`Next: ${denied.hint}`);
  });

  test('a send refused as too large is framed by the limit', () => {
    const message = acceptedSizeFailure({ bytes: 1_046_520, topic: 'orders', d: tooLarge, measured }).message;
    expect(message).toMatch(/^an event of 1046520 bytes was refused by "orders" as too large \(Event Hubs accepts up to 1 MB/);
    expect(failureClassIn(message)).toBe('too-large');
  });

  test("when a small event fails after the oversized one, cause and next step are the small failure's, never fixed text", () => {
    const lost = diagnose(Object.assign(new Error('Connection closed'), { code: 'ECONNRESET' }));
    for (const small of [denied, lost]) {
      const message = notAcceptingAfterRefusal({ bytes: 1_100_000, topic: 'orders', refusal: tooLarge, small, measured, thresholds: {} }).message;
      expect(message).toMatch(/^"orders" took neither the 1100000-byte event \(too-large\) nor a small event after it/);
      expect(failureClassIn(message)).toBe(small.failureClass);
      expect(lineOf(message, 'Next')).toBe(`Next: ${small.hint}`);
    }
  });

  test('a refusal not within the max ms to verdict fails, naming the check, the ms, the threshold and the cause', () => {
    const o = {
      bytes: 1_100_000,
      topic: 'orders',
      maxMs: 35000,
      refusal: tooLarge,
      measured: { 'ms to verdict': 35012 },
      thresholds: { 'max ms to verdict': 35000 },
    };
    expect(() => expectPromptRefusal({ ...o, ms: 412 })).not.toThrow();
    expect(() => expectPromptRefusal({ ...o, ms: 35012 })).toThrow(
      /^Size limits: "orders" gave no verdict on the 1100000-byte event within the max ms to verdict \(35012 ms, threshold 35000 ms.*\nMeasured: ms to verdict=35012\nThreshold: max ms to verdict=35000\nLikely cause: .*held the oversized request.*\(too-large\)/s,
    );
    // The send's own deadline is the threshold: a send cut off by it had no verdict within it, whatever it is diagnosed as.
    const cutOff = diagnose(new Error('send to orders timed out after 35000 ms'));
    const message = (() => {
      try {
        expectPromptRefusal({ ...o, ms: 35000, refusal: cutOff });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(failureClassIn(message)).toBe(cutOff.failureClass);
    expect(message).toMatch(/^Size limits: .*within the max ms to verdict \(35000 ms, threshold 35000 ms/);
  });
});

describe('one cause per run', () => {
  const first: CheckEntry = {
    id: 'burst.paced',
    name: 'Burst > acknowledges every order sent with random 50-300 ms gaps',
    file: 'tests/05-burst.test.ts',
    state: 'fail',
    message: `paced burst to "orders": ...\nLikely cause: ${denied.cause} (authorization)`,
  };

  test('a later denial is attributed to the first, without a redundant "showed as authorization"', () => {
    const explained = explainByEarlierDenial(denied, [first]);
    expect(explained.cause).toBe('the same authorization denial as "Burst > acknowledges every order sent with random 50-300 ms gaps" earlier in this run');
    expect(explained.hint).not.toBe(denied.hint);
  });
});
