// Size limits: an event just under the limit is accepted; one over Event Hubs' 1 MB limit is refused, promptly, naming the limit.
import { CHECK_ID } from '../support/record/ids.js';
import { describe } from 'vitest';
import { checkFailure, diagnoseInRun, notRun } from '../support/checks/verdict.js';
import { acceptedSizeFailure, expectPromptRefusal, notAcceptingAfterRefusal } from '../support/checks/size-limits.js';
import { MAX_REQUEST_BYTES_HARD as MAX_MESSAGE_BYTES } from '../support/facts/eventstream.js';
import { check, checkTimeouts, collectionSettings } from '../support/checks/fixtures.js';
import { orderEvent } from '../support/workload/payloads.js';
import { sendEvent } from '../support/kafka/produce.js';
import { leftOutByLoad } from '../support/inputs/settings.js';

const TIMEOUT = checkTimeouts(collectionSettings()).sizeLimits;

describe('Size limits', () => {
  check(
    'accepts an event just under the 1 MB limit',
    { timeout: TIMEOUT, meta: { checkId: CHECK_ID.sizeAccepted } },
    async ({ ordersProducer: producer, endpoint, settings, marker, recordCheck, task, skip, annotate }) => {
      const leftOut = leftOutByLoad(settings, CHECK_ID.sizeAccepted);
      if (leftOut) return notRun({ task, skip, annotate }, leftOut);
      const bytes = settings.SIZE_ACCEPTED_BYTES;
      try {
        const ack = await sendEvent(producer, settings, endpoint.topics.orders, { value: orderEvent(0, marker, bytes), marker });
        await recordCheck({
          measured: { 'event bytes': bytes, partition: ack.partition, offset: ack.offset, 'ack ms': ack.ms },
          thresholds: { 'must accept bytes': bytes },
          warnings: [],
        });
      } catch (error) {
        throw acceptedSizeFailure({ bytes, topic: endpoint.topics.orders, d: diagnoseInRun(error), measured: { 'event bytes': bytes } });
      }
    },
  );

  check(
    `refuses an event over the limit (${MAX_MESSAGE_BYTES} bytes) without hanging or retrying forever`,
    { timeout: TIMEOUT, meta: { checkId: CHECK_ID.sizeRefused } },
    async ({ refusalProducer: producer, endpoint, settings, marker, recordCheck }) => {
      const bytes = settings.SIZE_REFUSED_BYTES;
      const topic = endpoint.topics.orders;
      const start = performance.now();
      let refusal: unknown;
      try {
        // Sent once: the verdict is the endpoint's first answer, not a resend's (READINESS_KAFKA_RETRIES).
        await sendEvent(producer, settings, topic, { value: orderEvent(0, marker, bytes), marker });
      } catch (error) {
        refusal = error;
      }
      const ms = Math.round(performance.now() - start);
      const measured = { 'event bytes': bytes, 'ms to verdict': ms };
      const thresholds = { 'endpoint limit bytes': MAX_MESSAGE_BYTES, 'must refuse bytes': bytes, 'max ms to verdict': settings.SEND_TIMEOUT_MS };
      if (refusal === undefined) {
        throw checkFailure({
          what: `an event of ${bytes} bytes was accepted by "${topic}"; Event Hubs refuses anything over ${MAX_MESSAGE_BYTES} bytes`,
          measured,
          thresholds,
          cause: 'the endpoint is not enforcing the 1 MB limit (not an Event Hubs-backed endpoint?)',
          hint: 'producers tuned here may fail against Eventstream: keep events under 1 MB',
        });
      }
      const d = diagnoseInRun(refusal);
      // A dropped connection only counts as a size refusal if the endpoint still takes a small event right after
      // (on the same producer: after a close, on the connection kafkajs made again before it reported the close).
      let smallFailure: unknown;
      try {
        await sendEvent(producer, settings, topic, { value: orderEvent(1, marker), marker });
      } catch (error) {
        smallFailure = error ?? new Error('the small event failed without an error');
      }
      const stillAccepting = smallFailure === undefined;
      await recordCheck({ measured: { ...measured, 'refused as': d.failureClass, 'small event accepted after': stillAccepting }, thresholds, warnings: [] });
      if (!stillAccepting) throw notAcceptingAfterRefusal({ bytes, topic, refusal: d, small: diagnoseInRun(smallFailure), measured, thresholds });
      expectPromptRefusal({ bytes, topic, ms, maxMs: settings.SEND_TIMEOUT_MS, refusal: d, measured, thresholds });
      if (d.failureClass !== 'too-large' && d.failureClass !== 'connection-lost') {
        throw checkFailure({
          what: `an event of ${bytes} bytes (limit ${MAX_MESSAGE_BYTES}) to "${topic}" failed, but not as too large: ${d.detail}`,
          measured,
          thresholds,
          cause: `${d.cause} (${d.failureClass})`,
          hint: 'a refusal by size is answered at once (MESSAGE_TOO_LARGE) or by closing the connection; anything else points elsewhere',
        });
      }
    },
  );
});
