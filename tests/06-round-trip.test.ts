// Round trip: events produced are read back from the destination: no loss, per-key order, duplicates judged, latency measured.
import { inject, describe } from 'vitest';
import type { Producer } from 'kafkajs';
import { CHECK_ID, ROUND_TRIP_METRIC, ROUND_TRIP_THRESHOLD } from '../support/record/ids.js';
import { formatProblem } from '../support/inputs/parsers.js';
import { type ConsumerConfig } from '../support/inputs/config.js';
import { checkFailure, expectWithin, failureFrom, notRun, warningsAbove } from '../support/checks/verdict.js';
import { check, checkTimeouts, collectionSettings } from '../support/checks/fixtures.js';
import { LATENCY_UNIT } from '../support/core/histogram.js';
import type { ProgressTicker } from '../support/core/progress.js';
import type { Marker } from '../support/record/marker.js';
import type { Settings } from '../support/inputs/settings.js';
import { createKafka } from '../support/kafka/client.js';
import { roundTrip, type RoundTripResult } from '../support/workload/round-trip.js';

/** The consumer settings, or a failure naming what is incomplete (undefined: none given, the check does not run). */
function consumerConfig(): ConsumerConfig | undefined {
  // Parsed once by global setup, like every input.
  const consumerEnv = inject('inputs').consumer;
  if (!consumerEnv.configured) return undefined;
  if (!consumerEnv.config) {
    throw checkFailure({
      what: consumerEnv.problems.map(formatProblem).join('\n'),
      cause: 'the round-trip consumer settings are incomplete',
      hint: 'set every FABRIC_CONSUMER_* variable, or none to skip the round trip',
    });
  }
  return consumerEnv.config;
}

async function runRoundTrip(
  config: ConsumerConfig,
  ctx: { producer: Producer; produceTopic: string; settings: Settings; marker: Marker; ticker: ProgressTicker },
): Promise<RoundTripResult> {
  const consumerKafka = createKafka(config, ctx.settings, { clientId: 'readiness-roundtrip' });
  try {
    return await roundTrip({
      producer: ctx.producer,
      produceTopic: ctx.produceTopic,
      consumerKafka,
      consumer: config,
      settings: ctx.settings,
      marker: ctx.marker,
      onProgress: (p) =>
        p.phase === 'joined'
          ? ctx.ticker.done(`consumer joined in ${p.joinMs} ms, ${p.partitions} partition(s) assigned`)
          : ctx.ticker.tick(() => `${p.received} of ${p.expected} read back`),
    });
  } catch (error) {
    throw failureFrom(`round trip via "${config.topic}" (group ${config.groupId}) could not run`, error);
  }
}

/** Spread over partitions breaks per-key order only where the path keeps keys; a dropped key is its own finding. */
function keySpread(r: RoundTripResult): number {
  const keysKept = r.path.events > 0 && r.path.keyKept === r.path.events;
  return keysKept ? r.keysOnSeveralPartitions : 0;
}

function measuredOf(r: RoundTripResult, settings: Settings) {
  const { account, latency, path } = r;
  const of = (n: number) => `${n}/${path.events}`;
  return {
    sent: account.expected,
    'received unique': account.unique,
    lost: account.missing.length,
    duplicates: account.duplicates,
    'order violations': account.orderViolations,
    'keys on several partitions': keySpread(r),
    'path kept record keys': of(path.keyKept),
    'path kept headers': of(path.headersKept),
    'path kept partitions': of(path.partitionKept),
    'one record per event': of(path.oneRecordPerEvent),
    [ROUND_TRIP_METRIC.e2eP50]: latency.p50,
    [ROUND_TRIP_METRIC.e2eP95]: latency.p95,
    [ROUND_TRIP_METRIC.e2eP99]: latency.p99,
    'e2e max ms': latency.max,
    'group join ms': r.joinMs,
    'partitions assigned': r.partitionsAssigned,
    'duplicate policy': settings.DUPLICATE_POLICY,
  };
}

function thresholdsOf(settings: Settings) {
  return {
    lost: 0,
    'order violations': 0,
    'keys on several partitions': 0,
    'max duplicates': settings.DUPLICATE_POLICY === 'forbid' ? 0 : 'allowed (at-least-once)',
    'max e2e p99 ms': settings.ROUND_TRIP_MAX_P99_MS,
    [ROUND_TRIP_THRESHOLD.e2eP99WarnMs]: settings.ROUND_TRIP_E2E_P99_WARN_MS,
  };
}

/** Findings that do not fail the check: allowed duplicates, and what the path did not keep. */
function warningsOf({ account, path, latency }: RoundTripResult, settings: Settings): string[] {
  return [
    ...warningsAbove('round trip', [
      {
        name: ROUND_TRIP_METRIC.e2eP99,
        value: latency.p99,
        limit: settings.ROUND_TRIP_E2E_P99_WARN_MS,
        setting: 'READINESS_ROUND_TRIP_E2E_P99_WARN_MS',
        cause: 'events take longer than they should from source to destination (a lagging destination, throttling, or a slow path)',
      },
    ]),
    ...(account.duplicates > 0 && settings.DUPLICATE_POLICY === 'allow'
      ? [`${account.duplicates} duplicate(s), allowed by READINESS_DUPLICATE_POLICY=allow`]
      : []),
    ...(path.keyKept < path.events
      ? [
          `the path dropped the record key of ${path.events - path.keyKept} of ${path.events} events: consumers that rely on the Kafka key lose it (order was judged from the sequence in each event's value)`,
        ]
      : []),
    ...(path.headersKept < path.events
      ? [
          `the path dropped record headers on ${path.events - path.headersKept} of ${path.events} events: filter test events on the readinessTest field, not the header`,
        ]
      : []),
    ...(path.oneRecordPerEvent < path.events
      ? [`the path re-batched events: ${path.events - path.oneRecordPerEvent} of ${path.events} came several to a record (JSON lines or an array)`]
      : []),
  ];
}

type Measured = ReturnType<typeof measuredOf>;
type Thresholds = ReturnType<typeof thresholdsOf>;

function assertNoLoss({ account }: RoundTripResult, settings: Settings, measured: Measured, thresholds: Thresholds): void {
  if (account.missing.length === 0) return;
  throw checkFailure({
    what: `${account.unique} of ${account.expected} events came back within ${settings.ROUND_TRIP_TIMEOUT_MS} ms; lost ${account.missing.length} (first: ${account.missing.slice(0, 3).join(', ')})`,
    measured,
    thresholds,
    cause:
      'events were acknowledged by the source but did not reach the destination in time. Real causes: (1) the destination is not connected to the source, or lags by more than the wait; ' +
      '(2) the eventstream has a schema associated and drops events that do not match it (they are acknowledged, then dropped, and only Fabric diagnostics show it); ' +
      '(3) another reader shares the consumer group and took the partitions',
    hint: 'check the Eventstream topology (source -> destination, no filter dropping events) and its schema, use a consumer group of this check alone (FABRIC_CONSUMER_GROUP), and raise READINESS_ROUND_TRIP_TIMEOUT_MS if the stream is slow',
  });
}

function assertOrderDuplicatesLatency(r: RoundTripResult, settings: Settings, measured: Measured): void {
  const { account, latency } = r;
  const spread = keySpread(r);
  expectWithin(
    'round trip',
    measured,
    [
      { name: 'order violations', value: account.orderViolations, limit: 0, kind: 'max' },
      { name: 'keys on several partitions', value: spread, limit: 0, kind: 'max' },
      { name: 'duplicates', value: account.duplicates, limit: settings.DUPLICATE_POLICY === 'forbid' ? 0 : Number.MAX_SAFE_INTEGER, kind: 'max' },
      { name: ROUND_TRIP_METRIC.e2eP99, value: latency.p99, limit: settings.ROUND_TRIP_MAX_P99_MS, kind: 'max' },
    ],
    account.orderViolations > 0 || spread > 0
      ? 'events of one key arrived out of order or spread over partitions (the destination repartitions, or retries without idempotence)'
      : 'delivery is slower or less exact than the thresholds allow',
    'see the measured values; thresholds are READINESS_ROUND_TRIP_* and READINESS_DUPLICATE_POLICY',
  );
}

describe('Round trip', () => {
  check(
    'reads back every event: no loss, per-key order kept, duplicates within policy, end-to-end p99 within limit',
    { timeout: checkTimeouts(collectionSettings()).roundTrip, meta: { checkId: CHECK_ID.roundTrip } },
    async ({ producer, endpoint, settings, marker, recordCheck, progress, task, skip, annotate }) => {
      const config = consumerConfig();
      if (!config) {
        return notRun(
          { task, skip, annotate },
          'not run: no FABRIC_CONSUMER_* settings. Reading back needs an Eventstream custom endpoint destination (bootstrap, topic, consumer group, connection string): see .env.example',
        );
      }
      const ticker = progress(CHECK_ID.roundTrip);
      const r = await runRoundTrip(config, { producer, produceTopic: endpoint.topics.telemetry, settings, marker, ticker });
      const measured = measuredOf(r, settings);
      const thresholds = thresholdsOf(settings);
      await recordCheck({ measured, thresholds, warnings: warningsOf(r, settings), samples: { e2eLatency: { unit: LATENCY_UNIT, hdr: r.latencyHistogram } } });
      assertNoLoss(r, settings, measured, thresholds);
      assertOrderDuplicatesLatency(r, settings, measured);
    },
  );
});
