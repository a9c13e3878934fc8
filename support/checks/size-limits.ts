// The size-limit checks' verdicts: a failure framed by its diagnosis (a size only when the endpoint said size), and a refusal judged for promptness.
import type { Measured } from '../core/readable.js';
import type { Diagnosis } from '../kafka/diagnosis.js';
import { checkFailure } from './verdict.js';

/** Event Hubs' answer to an oversized event, as the checks word it. */
const SIZE_LIMIT = 'Event Hubs accepts up to 1 MB per event or batch';

/** Why sending an event just under the limit failed: framed as a size refusal only when the diagnosis says size. */
export function acceptedSizeFailure(o: { bytes: number; topic: string; d: Diagnosis; measured: Measured }): Error {
  const what =
    o.d.failureClass === 'too-large'
      ? `an event of ${o.bytes} bytes was refused by "${o.topic}" as too large (${SIZE_LIMIT})`
      : `sending to "${o.topic}" failed (${o.d.failureClass}), with an event of ${o.bytes} bytes`;
  return checkFailure({ what: `${what}: ${o.d.detail}`, measured: o.measured, cause: `${o.d.cause} (${o.d.failureClass})`, hint: o.d.hint });
}

/**
 * After the oversized event, a small one was refused too: the cause is that of the small event's failure (what the
 * endpoint says of any event), not the size limit, and so is the next step.
 */
export function notAcceptingAfterRefusal(o: {
  bytes: number;
  topic: string;
  refusal: Diagnosis;
  small: Diagnosis;
  measured: Measured;
  thresholds: Measured;
}): Error {
  return checkFailure({
    what: `"${o.topic}" took neither the ${o.bytes}-byte event (${o.refusal.failureClass}) nor a small event after it, so what failed is not the size limit: ${o.small.detail}`,
    measured: o.measured,
    thresholds: o.thresholds,
    cause: `${o.small.cause} (${o.small.failureClass})`,
    hint: o.small.hint,
  });
}

/**
 * A refusal by size must come promptly, within the max ms to verdict: one held until the send's own deadline is a
 * stall (a held request, a buffering proxy), not Event Hubs' answer, whatever it was finally diagnosed as.
 */
export function expectPromptRefusal(o: {
  bytes: number;
  topic: string;
  ms: number;
  maxMs: number;
  refusal: Diagnosis;
  measured: Measured;
  thresholds: Measured;
}): void {
  if (o.ms < o.maxMs) return;
  throw checkFailure({
    what: `Size limits: "${o.topic}" gave no verdict on the ${o.bytes}-byte event within the max ms to verdict (${o.ms} ms, threshold ${o.maxMs} ms, READINESS_SEND_TIMEOUT_MS): ${o.refusal.detail}`,
    measured: o.measured,
    thresholds: o.thresholds,
    cause: `the endpoint, or a proxy on the path, held the oversized request instead of refusing it at once (${o.refusal.failureClass})`,
    hint: 'Event Hubs refuses an event over 1 MB at once (MESSAGE_TOO_LARGE, or by closing the connection): compare with the TCP/TLS timings and look for a proxy that buffers large requests',
  });
}
