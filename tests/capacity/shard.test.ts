// Capacity: one shard of a sharded load test (READINESS_SHARD=i/N). It sends its share of READINESS_CAPACITY_RATE from
// the agreed start for READINESS_CAPACITY_DURATION_S, then writes readiness-shard-<i>.json for `npm run capacity:merge`.
// Runs only when READINESS_SHARD is set (vitest.config.ts), after the environment and connectivity checks.
import { join } from 'node:path';
import { describe, inject } from 'vitest';
import { CHECK_ID } from '../../support/record/ids.js';
import { readCapacitySettings, shardEventsPerSec, type CapacitySettings } from '../../support/capacity/settings.js';
import { MIN_SHARE_ACKNOWLEDGED, runShard, ThrottleTap, waitForStart } from '../../support/capacity/shard.js';
import { checkFailure } from '../../support/checks/verdict.js';
import { check, collectionSettings } from '../../support/checks/fixtures.js';
import { connectWithin, disconnectWithin } from '../../support/core/deadline.js';
import { LATENCY_UNIT, mergeHistograms, percentilesMs } from '../../support/core/histogram.js';
import { createKafka } from '../../support/kafka/client.js';
import { orderEvent } from '../../support/workload/payloads.js';
import { createProducer } from '../../support/kafka/produce.js';
import { writeReportFile } from '../../support/report/write.js';

/** The settings, or the error that names the bad variable (reported by the check, not at collection). */
function capacityAtCollection(): { settings?: CapacitySettings; error?: Error } {
  try {
    return { settings: readCapacitySettings(inject('runEnv')) };
  } catch (error) {
    return { error: error as Error };
  }
}

const collected = capacityAtCollection();
const s = collectionSettings();
// Above the sum of its own bounded waits: connect, the wait for the start, the window, and the last answers.
const TIMEOUT = collected.settings
  ? s.KAFKA_CONNECT_TIMEOUT_MS * 2 + (collected.settings.maxWaitS + collected.settings.durationS) * 1000 + s.SEND_TIMEOUT_MS + 15_000
  : 30_000;

describe('Capacity', () => {
  check(
    'sends its shard of the capacity load from the agreed start: every event acknowledged at its share of the rate',
    { timeout: TIMEOUT, meta: { checkId: CHECK_ID.capacityShard } },
    async ({ endpoint, settings, marker, recordCheck, progress }) => {
      if (!collected.settings) {
        throw checkFailure({
          what: `capacity settings: ${collected.error?.message ?? 'unreadable'}`,
          hint: 'see docs/capacity.md',
        });
      }
      const c = collected.settings;
      const share = shardEventsPerSec(c);
      const profile = inject('profile');
      const ticker = progress(CHECK_ID.capacityShard);
      const say = (text: string) => ticker.done(`shard ${c.shard.index}/${c.shard.count}: ${text}`);
      const tap = new ThrottleTap();
      const kafka = createKafka(endpoint.orders, settings, { clientId: `readiness-capacity-${c.shard.index}`, onThrottle: (ms) => tap.add(ms) });
      const producer = createProducer(kafka, settings);
      await connectWithin(producer, settings.KAFKA_CONNECT_TIMEOUT_MS * 2, 'capacity producer connect');
      let file;
      try {
        say('ready');
        const start = await waitForStart(c, say);
        if (start.startAt === undefined) throw checkFailure({ what: `capacity shard ${c.shard.index}/${c.shard.count} never started: ${start.problem ?? ''}` });
        say(
          `sending ${share === undefined ? 'as fast as it can' : `${Math.round(share * 10) / 10} events/s`} for ${c.durationS} s to ${endpoint.topics.orders}`,
        );
        const keyPrefix = `shard${c.shard.index}-order`;
        file = await runShard(producer, start.startAt, {
          capacity: c,
          settings,
          topic: endpoint.topics.orders,
          bootstrap: endpoint.orders.brokers.map((b) => `${b.host}:${b.port}`).join(','),
          profile,
          marker,
          make: (i) => ({ key: `${keyPrefix}-${i % 64}`, value: JSON.stringify(orderEvent(i, marker, c.eventBytes)) }),
          throttle: tap,
          onAck: (acked) => ticker.tick(() => `shard ${c.shard.index}/${c.shard.count}: ${acked} acknowledged`),
        });
      } finally {
        await disconnectWithin(producer, 5000);
      }
      const out = join(inject('reportsDir'), `readiness-shard-${c.shard.index}.json`);
      const written = writeReportFile(out, `${JSON.stringify(file, null, 2)}\n`, { verdict: file.verdict.toUpperCase() });
      say(`${file.totals.acknowledged} acknowledged, ${file.totals.failed} failed; ${written ? `wrote ${out}` : 'shard file NOT written'}`);
      const p = percentilesMs(mergeHistograms([file.ackLatency.hdr]));
      const measured = {
        shard: `${c.shard.index}/${c.shard.count}`,
        acknowledged: file.totals.acknowledged,
        failed: file.totals.failed,
        'events/s': file.totals.eventsPerSec,
        'MB/s': file.totals.mbPerSec,
        'ack p50 ms': p.count ? p.p50 : 'n/a',
        'ack p99 ms': p.count ? p.p99 : 'n/a',
        'throttle total ms': file.totals.throttleMs,
        'window start': file.window.startedAt,
        'late by ms': file.window.lateByMs,
      };
      const thresholds = {
        'failed events': 0,
        ...(share === undefined ? {} : { 'min acknowledged (90% of share)': Math.ceil(share * c.durationS * MIN_SHARE_ACKNOWLEDGED) }),
      };
      await recordCheck({ measured, thresholds, warnings: [], samples: { ackLatency: { unit: LATENCY_UNIT, hdr: file.ackLatency.hdr } } });
      if (file.verdict === 'fail') {
        const first = file.failures[0];
        throw checkFailure({
          what: `capacity shard ${c.shard.index}/${c.shard.count}: ${file.problems.join('; ')}${first ? `; first failure: ${first.detail}` : ''}`,
          measured,
          thresholds,
          cause: first
            ? `sends failed (${first.failureClass})`
            : 'this runner could not send its share of the rate: the path or the runner is slower than the rate needs',
          hint: first ? 'see the shard file for the failures by class' : 'add shards, or lower READINESS_CAPACITY_RATE; see "Sizing" in docs/capacity.md',
        });
      }
      if (!written) throw checkFailure({ what: `capacity shard ${c.shard.index}/${c.shard.count}: ${out} could not be written` });
    },
  );
});
