// Burst: orders at the notebook's random 50-300 ms pace, then at full speed; every event acknowledged, rate and latency judged.
import { describe } from 'vitest';
import { BURST_METRIC, BURST_THRESHOLD, CHECK_ID, PACED_THRESHOLD } from '../support/record/ids.js';
import { checkFailure, expectWithin, inRun, notRun, warningsAbove } from '../support/checks/verdict.js';
import { leftOutByLoad } from '../support/inputs/settings.js';
import { check, checkTimeouts, collectionSettings } from '../support/checks/fixtures.js';
import { LATENCY_UNIT } from '../support/core/histogram.js';
import { orderEvent } from '../support/workload/payloads.js';
import { runBurst, type BurstResult } from '../support/kafka/produce.js';
import type { ThrottleMeter } from '../support/core/stats.js';

const TIMEOUT = checkTimeouts(collectionSettings()).burst;
/** What an acknowledgement of seconds means when every event still got one. */
const STALL = 'the endpoint stalled during the burst (a paused broker, a connection held by a proxy, or throttling)';
const SLOW_ACKS = 'the endpoint acknowledges more slowly than it should (throttling near the throughput level, competing load, or a slow path)';

function measuredOf(r: BurstResult, throttle: ThrottleMeter) {
  return {
    attempted: r.attempted,
    acknowledged: r.acknowledged,
    failed: r.failed,
    'not sent': r.notSent,
    'duration ms': r.durationMs,
    [BURST_METRIC.eventsPerSec]: r.eventsPerSec,
    [BURST_METRIC.mbPerSec]: r.mbPerSec,
    [BURST_METRIC.ackP50]: r.ackLatency.p50,
    [BURST_METRIC.ackP95]: r.ackLatency.p95,
    [BURST_METRIC.ackP99]: r.ackLatency.p99,
    'ack max ms': r.ackLatency.max,
    [BURST_METRIC.throttleTotal]: throttle.totalMs,
    'throttled responses': throttle.responses,
  };
}

/** Every attempted event must be acknowledged; failed sends are failures, never dropped from the count. */
function expectAllAcknowledged(what: string, r: BurstResult, measured: Record<string, string | number>, timeoutMs: number): void {
  if (r.failed === 0 && r.notSent === 0 && r.acknowledged === r.attempted) return;
  if (r.timedOut && r.failed === 0) {
    throw checkFailure({
      what: `${what} did not finish within ${timeoutMs} ms: ${r.acknowledged} of ${r.attempted + r.notSent} events acknowledged, ${r.notSent} not sent`,
      measured,
      thresholds: { 'max burst ms': timeoutMs },
      cause: 'the endpoint accepts events more slowly than the burst needs (throttling or a slow path)',
      hint: 'compare events/s and throttle time; READINESS_BURST_TIMEOUT_MS or READINESS_BURST_EVENTS adjust the burst',
    });
  }
  const failure = r.failures[0]?.diagnosis;
  const first = failure ? inRun(failure) : undefined;
  throw checkFailure({
    what: `${what}: ${r.failed} of ${r.attempted} events sent failed (${r.failures.map((f) => `${f.count} ${f.failureClass}`).join(', ')}), ${r.notSent} not sent after that: ${first?.detail ?? ''}`,
    measured,
    thresholds: { 'failed events': 0 },
    cause: first ? `${first.cause} (${first.failureClass})` : undefined,
    hint: first?.hint,
  });
}

describe('Burst', () => {
  check(
    'acknowledges every order sent with random 50-300 ms gaps',
    { timeout: TIMEOUT, meta: { checkId: CHECK_ID.burstPaced } },
    async ({ ordersProducer, endpoint, settings, marker, throttle, recordCheck, progress }) => {
      const { PACED_MIN_GAP_MS: min, PACED_MAX_GAP_MS: max } = settings;
      const ticker = progress('burst.paced');
      const r = await runBurst(ordersProducer, {
        topic: endpoint.topics.orders,
        events: settings.PACED_EVENTS,
        make: (i) => ({ value: JSON.stringify(orderEvent(i, marker)) }),
        marker,
        batchSize: 1,
        // Orders leave on their schedule; acknowledgements are awaited, each, without holding up the next order.
        inFlight: settings.BURST_IN_FLIGHT,
        settings,
        timeoutMs: settings.BURST_TIMEOUT_MS,
        gapMs: () => min + Math.random() * (max - min),
        onThrottled: (ms) => throttle.add(ms),
        onAck: (acked, total) => ticker.tick(() => `${acked} of ${total} acknowledged`),
      });
      ticker.done(`${r.acknowledged} of ${r.attempted + r.notSent} acknowledged, ${r.failed} failed`);
      const measured = measuredOf(r, throttle);
      const thresholds = { 'failed events': 0, 'gap ms': `${min}-${max}`, [PACED_THRESHOLD.ackMaxWarnMs]: settings.PACED_ACK_WARN_MS };
      const warnings = warningsAbove('paced burst', [
        { name: 'ack max ms', value: r.ackLatency.max, limit: settings.PACED_ACK_WARN_MS, setting: 'READINESS_PACED_ACK_WARN_MS', cause: STALL },
      ]);
      await recordCheck({ measured, thresholds, warnings });
      expectAllAcknowledged(`paced burst to "${endpoint.topics.orders}"`, r, measured, settings.BURST_TIMEOUT_MS);
    },
  );

  check(
    'absorbs a max-rate burst: every event acknowledged, throughput, ack p99 and throttling within limits',
    { timeout: TIMEOUT, meta: { checkId: CHECK_ID.burstMaxRate } },
    async ({ ordersProducer, endpoint, settings, marker, throttle, recordCheck, progress, task, skip, annotate }) => {
      const leftOut = leftOutByLoad(settings, CHECK_ID.burstMaxRate);
      if (leftOut) return notRun({ task, skip, annotate }, leftOut);
      const ticker = progress(CHECK_ID.burstMaxRate);
      const r = await runBurst(ordersProducer, {
        topic: endpoint.topics.orders,
        events: settings.BURST_EVENTS,
        make: (i) => ({ key: `order-${i % 64}`, value: JSON.stringify(orderEvent(i, marker, settings.BURST_EVENT_BYTES)) }),
        marker,
        batchSize: settings.BURST_BATCH_SIZE,
        inFlight: settings.BURST_IN_FLIGHT,
        maxInFlight: settings.BURST_MAX_IN_FLIGHT,
        timeoutMs: settings.BURST_TIMEOUT_MS,
        settings,
        onThrottled: (ms) => throttle.add(ms),
        onAck: (acked, total) => ticker.tick(() => `${acked} of ${total} acknowledged`),
      });
      ticker.done(`${r.acknowledged} of ${r.attempted + r.notSent} acknowledged, ${r.failed} failed`);
      const measured = {
        ...measuredOf(r, throttle),
        'event bytes': settings.BURST_EVENT_BYTES,
        'batch size': settings.BURST_BATCH_SIZE,
        'in flight': settings.BURST_IN_FLIGHT,
        'in flight used': r.inFlightUsed,
      };
      const thresholds = {
        'failed events': 0,
        'min events/s': settings.BURST_MIN_EVENTS_PER_SEC,
        'max ack p99 ms': settings.BURST_MAX_P99_MS,
        'max throttle total ms': settings.BURST_MAX_THROTTLE_MS,
        [BURST_THRESHOLD.ackP99WarnMs]: settings.BURST_ACK_P99_WARN_MS,
      };
      const warnings = [
        ...(throttle.totalMs > 0 ? [`the broker throttled ${throttle.responses} response(s), ${throttle.totalMs} ms in all`] : []),
        ...warningsAbove('max-rate burst', [
          {
            name: BURST_METRIC.ackP99,
            value: r.ackLatency.p99,
            limit: settings.BURST_ACK_P99_WARN_MS,
            setting: 'READINESS_BURST_ACK_P99_WARN_MS',
            cause: SLOW_ACKS,
          },
        ]),
      ];
      const samples = { ackLatency: { unit: LATENCY_UNIT, hdr: r.ackHistogram }, acksPerBucket: r.acksPerBucket } as const;
      await recordCheck({ measured, thresholds, warnings, samples });
      expectAllAcknowledged(`max-rate burst to "${endpoint.topics.orders}"`, r, measured, settings.BURST_TIMEOUT_MS);
      expectWithin(
        'max-rate burst',
        measured,
        [
          { name: BURST_METRIC.eventsPerSec, value: r.eventsPerSec, limit: settings.BURST_MIN_EVENTS_PER_SEC, kind: 'min' },
          { name: BURST_METRIC.ackP99, value: r.ackLatency.p99, limit: settings.BURST_MAX_P99_MS, kind: 'max' },
          { name: BURST_METRIC.throttleTotal, value: throttle.totalMs, limit: settings.BURST_MAX_THROTTLE_MS, kind: 'max' },
        ],
        throttle.totalMs > 0
          ? 'the endpoint throttled the producer (throughput units or quota reached)'
          : 'the path to the endpoint is slower than the thresholds allow',
        throttle.totalMs > 0
          ? 'raise the Eventstream throughput level / Event Hubs TUs, or spread the burst; thresholds are READINESS_BURST_*'
          : 'compare with the TCP/TLS timings; on a slow link lower READINESS_BURST_MIN_EVENTS_PER_SEC or raise READINESS_BURST_MAX_P99_MS deliberately',
      );
    },
  );
});
