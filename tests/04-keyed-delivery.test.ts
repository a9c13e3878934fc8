// Keyed delivery: a key always lands on one partition, the one Java's murmur2 partitioner picks, in offset order.
import { inject, describe } from 'vitest';
import { checkFailure, failureFrom } from '../support/checks.js';
import { expectedPartition, offsetsStrictlyIncrease } from '../support/delivery.js';
import { check } from '../support/fixtures.js';
import { deviceStatus } from '../support/payloads.js';
import { sendEvent, type Ack } from '../support/producer.js';

const KEY = 'sensor-42';

/** The telemetry topic's partition count, as the Topics connectivity stage measured it. */
function telemetryPartitions(): number {
  const topics = inject('preflight')?.stages.find((s) => s.stage === 'topics');
  return Number(topics?.measured['telemetry partitions'] ?? 0);
}

describe('Keyed delivery', () => {
  check(`acknowledges the keyed event ${KEY} {status, rpm} with a partition and offset`, async ({ producer, endpoint, settings, runId, recordCheck }) => {
    let ack: Ack;
    try {
      ack = await sendEvent(producer, settings, endpoint.topics.telemetry, { key: KEY, value: deviceStatus(0, runId) });
    } catch (error) {
      throw failureFrom(`keyed send of ${KEY} to "${endpoint.topics.telemetry}" was not acknowledged`, error);
    }
    await recordCheck({ measured: { key: KEY, partition: ack.partition, offset: ack.offset, 'ack ms': ack.ms }, thresholds: {}, warnings: [] });
  });

  check('lands repeated sends of one key on one partition, the one murmur2 assigns, with strictly increasing offsets', async ({ producer, endpoint, settings, runId, recordCheck }) => {
    const acks: Ack[] = [];
    for (let seq = 0; seq < settings.KEYED_SENDS; seq++) {
      try {
        acks.push(await sendEvent(producer, settings, endpoint.topics.telemetry, { key: KEY, value: deviceStatus(seq, runId) }));
      } catch (error) {
        throw failureFrom(`keyed send ${seq + 1} of ${settings.KEYED_SENDS} was not acknowledged`, error);
      }
    }
    const partitions = [...new Set(acks.map((a) => a.partition))];
    const offsets = acks.map((a) => a.offset);
    const count = telemetryPartitions();
    const expected = count > 0 ? expectedPartition(KEY, count) : undefined;
    const measured = { key: KEY, sends: acks.length, partitions: partitions.join(' '), offsets: offsets.join(' '), 'topic partitions': count, 'murmur2 partition': expected ?? 'unknown' };
    const warnings = count === 1 ? ['the topic has one partition: every key lands on it, so this proves little about key placement'] : [];
    await recordCheck({ measured, thresholds: {}, warnings });
    if (partitions.length !== 1) {
      throw checkFailure({ what: `sends with key ${KEY} landed on ${partitions.length} partitions`, measured, thresholds: { partitions: 1 }, cause: 'the endpoint or a proxy does not keep keys on one partition', hint: 'per-key order cannot be relied on; check for a partition-count change during the run' });
    }
    if (!offsetsStrictlyIncrease(offsets)) {
      throw checkFailure({ what: `offsets of key ${KEY} did not strictly increase in send order`, measured, cause: 'events were reordered or overwritten', hint: 'check for retries without idempotence and for concurrent producers on the key' });
    }
    if (expected !== undefined && partitions[0] !== expected) {
      throw checkFailure({ what: `key ${KEY} landed on partition ${partitions[0]}, Java's murmur2 partitioner assigns ${expected}`, measured, cause: 'the producer partitioner is not Java-compatible, or the partition count changed', hint: 'producers in other languages will put this key elsewhere: use the murmur2 (Java default) partitioner everywhere' });
    }
  });
});
