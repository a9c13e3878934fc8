// Smoke: a few well-formed telemetry events reach the endpoint, each acknowledged with partition and offset.
import { CHECK_ID } from '../support/record/ids.js';
import { describe } from 'vitest';
import { failureFrom } from '../support/checks/verdict.js';
import { check, checkTimeouts, collectionSettings } from '../support/checks/fixtures.js';
import { sendEvent, type Ack } from '../support/kafka/produce.js';
import { telemetryEvent } from '../support/workload/payloads.js';
import { summarize } from '../support/core/stats.js';

/** Above the check's own send deadline, so a slow endpoint fails with the check's message, not Vitest's. */
const TIMEOUT = checkTimeouts(collectionSettings()).send;

describe('Smoke', () => {
  check(
    'publishes telemetry events as JSON, each acknowledged with a partition and offset',
    { timeout: TIMEOUT, meta: { checkId: CHECK_ID.smoke } },
    async ({ producer, endpoint, settings, marker, recordCheck }) => {
      const topic = endpoint.topics.telemetry;
      // The events are independent (no key, no order judged): they are in flight together, each acknowledged.
      const results = await Promise.allSettled(
        Array.from({ length: settings.SMOKE_EVENTS }, (_, i) => sendEvent(producer, settings, topic, { value: telemetryEvent(i, marker), marker })),
      );
      const acks: Ack[] = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const firstFailed = results.findIndex((r) => r.status === 'rejected');
      const failure = results[firstFailed];
      if (failure?.status === 'rejected') {
        throw failureFrom(
          `telemetry event ${firstFailed + 1} of ${settings.SMOKE_EVENTS} to "${topic}" was not acknowledged (${acks.length} were)`,
          failure.reason,
          {
            measured: { acknowledged: acks.length },
            thresholds: { 'events to acknowledge': settings.SMOKE_EVENTS },
          },
        );
      }
      await recordCheck({
        measured: {
          topic,
          acknowledged: acks.length,
          deliveries: acks.map((a) => `p${a.partition}@${a.offset}`).join(' '),
          'ack p50 ms': summarize(acks.map((a) => a.ms)).p50,
          'ack max ms': summarize(acks.map((a) => a.ms)).max,
        },
        thresholds: { 'events to acknowledge': settings.SMOKE_EVENTS },
        warnings: [],
      });
    },
  );
});
