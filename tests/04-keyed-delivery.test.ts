// Keyed delivery: a key always lands on one partition, the one Java's murmur2 partitioner picks, in offset order.
import { CHECK_ID } from '../support/record/ids.js';
import { inject, describe } from 'vitest';
import { checkFailure, failureFrom } from '../support/checks/verdict.js';
import { expectedPartition, offsetsStrictlyIncrease } from '../support/workload/delivery.js';
import { check, checkTimeouts, collectionSettings } from '../support/checks/fixtures.js';
import { deviceStatus } from '../support/workload/payloads.js';
import { sendEvent, type Ack } from '../support/kafka/produce.js';

/** Above the check's own send deadline, so a slow endpoint fails with the check's message, not Vitest's. */
const TIMEOUT = checkTimeouts(collectionSettings()).send;

const KEY = 'sensor-42';
const MURMUR_KEYS = ['sensor-42', 'sensor-0', 'sensor-7', 'order-1001', 'order-2002', 'device-a', 'device-b', 'device-c'];

/** The telemetry topic's partition count, as the Topics connectivity stage measured it. */
function telemetryPartitions(): number {
  const topics = inject('preflight')?.stages.find((s) => s.stage === 'topics');
  return Number(topics?.measured['telemetry partitions'] ?? 0);
}

describe('Keyed delivery', () => {
  check(
    `acknowledges the keyed event ${KEY} {status, rpm} with a partition and offset`,
    { timeout: TIMEOUT, meta: { checkId: CHECK_ID.keyedAck } },
    async ({ producer, endpoint, settings, marker, recordCheck }) => {
      let ack: Ack;
      try {
        ack = await sendEvent(producer, settings, endpoint.topics.telemetry, { key: KEY, value: deviceStatus(0, marker), marker });
      } catch (error) {
        throw failureFrom(`keyed send of ${KEY} to "${endpoint.topics.telemetry}" was not acknowledged`, error);
      }
      await recordCheck({ measured: { key: KEY, partition: ack.partition, offset: ack.offset, 'ack ms': ack.ms }, thresholds: {}, warnings: [] });
    },
  );

  check(
    'lands repeated sends of one key on one partition with strictly increasing offsets',
    { timeout: TIMEOUT, meta: { checkId: CHECK_ID.keyedOrder } },
    async ({ producer, endpoint, settings, marker, recordCheck }) => {
      const acks: Ack[] = [];
      for (let seq = 0; seq < settings.KEYED_SENDS; seq++) {
        try {
          acks.push(await sendEvent(producer, settings, endpoint.topics.telemetry, { key: KEY, value: deviceStatus(seq, marker), marker }));
        } catch (error) {
          throw failureFrom(`keyed send ${seq + 1} of ${settings.KEYED_SENDS} was not acknowledged`, error);
        }
      }
      const partitions = [...new Set(acks.map((a) => a.partition))];
      const offsets = acks.map((a) => a.offset);
      const measured = { key: KEY, sends: acks.length, partitions: partitions.join(' '), offsets: offsets.join(' ') };
      await recordCheck({ measured, thresholds: { partitions: 1 }, warnings: [] });
      if (partitions.length !== 1) {
        throw checkFailure({
          what: `sends with key ${KEY} landed on ${partitions.length} partitions`,
          measured,
          thresholds: { partitions: 1 },
          cause: 'the endpoint or a proxy does not keep keys on one partition',
          hint: 'per-key order cannot be relied on; check for a partition-count change during the run',
        });
      }
      if (!offsetsStrictlyIncrease(offsets)) {
        throw checkFailure({
          what: `offsets of key ${KEY} did not strictly increase in send order`,
          measured,
          cause: 'events were reordered or overwritten',
          hint: 'check for retries without idempotence and for concurrent producers on the key',
        });
      }
    },
  );

  check(
    "puts each key on the partition Java's murmur2 partitioner assigns",
    { timeout: TIMEOUT, meta: { checkId: CHECK_ID.keyedMurmur2 } },
    async ({ producer, endpoint, settings, marker, recordCheck }) => {
      const count = telemetryPartitions();
      if (count < 1)
        throw checkFailure({
          what: "the telemetry topic's partition count is unknown",
          cause: 'the Topics connectivity stage did not measure it',
          hint: 'see the Topics check',
        });
      const placements: string[] = [];
      const wrong: string[] = [];
      // Several keys: with one key a match could be luck (1 in the partition count). Placement does not depend on
      // send order, so the keys are in flight together.
      const results = await Promise.allSettled(
        MURMUR_KEYS.map((key) => sendEvent(producer, settings, endpoint.topics.telemetry, { key, value: deviceStatus(0, marker), marker })),
      );
      for (const [i, key] of MURMUR_KEYS.entries()) {
        const result = results[i];
        if (result?.status !== 'fulfilled') throw failureFrom(`keyed send of ${key} was not acknowledged`, result?.reason);
        const expected = expectedPartition(key, count);
        placements.push(`${key}->p${result.value.partition}`);
        if (result.value.partition !== expected) wrong.push(`${key} on ${result.value.partition}, murmur2 says ${expected}`);
      }
      const measured = { 'topic partitions': count, keys: MURMUR_KEYS.length, placements: placements.join(' ') };
      const warnings = count === 1 ? ['the topic has one partition: every key lands on it, so this proves little about key placement'] : [];
      await recordCheck({ measured, thresholds: { 'keys off their murmur2 partition': 0 }, warnings });
      if (wrong.length > 0) {
        throw checkFailure({
          what: `${wrong.length} of ${MURMUR_KEYS.length} keys landed off the partition Java's murmur2 partitioner assigns: ${wrong.join('; ')}`,
          measured,
          thresholds: { 'keys off their murmur2 partition': 0 },
          cause: 'the producer partitioner is not Java-compatible, or the partition count changed',
          hint: 'producers in other languages will put these keys elsewhere: use the murmur2 (Java default) partitioner everywhere',
        });
      }
    },
  );
});
