// Round trip: subscribe first, produce events with unique ids, read them back; counts loss, duplicates, order, latency.
import type { Kafka, Producer } from 'kafkajs';
import type { ConsumerConfig } from './config.js';
import { DeadlineError, withDeadline } from './deadline.js';
import { accountDeliveries, type DeliveryAccount, type ReceivedEvent, type SentEvent } from './delivery.js';
import { encodeHistogram, histogramOfMs } from './histogram.js';
import { deviceStatus } from './payloads.js';
import { sendEvent } from './producer.js';
import type { Settings } from './settings.js';
import { summarize, type LatencySummary } from './stats.js';

export interface RoundTripResult {
  readonly account: DeliveryAccount;
  readonly latency: LatencySummary;
  /** Every event's end-to-end latency as an HdrHistogram (compressed base64, microseconds): mergeable across runs. */
  readonly latencyHistogram: string;
  readonly joinMs: number;
  readonly waitedMs: number;
  readonly partitionsAssigned: number;
  /** Keys whose events came back on more than one partition: per-key order is then not guaranteed downstream. */
  readonly keysOnSeveralPartitions: number;
}

export interface RoundTripOptions {
  readonly producer: Producer;
  readonly produceTopic: string;
  readonly consumerKafka: Kafka;
  readonly consumer: ConsumerConfig;
  readonly settings: Settings;
  readonly runId: string;
  /** Progress: called when the consumer has joined, and after each event read back with the running count. */
  readonly onProgress?: (event: { phase: 'joined'; partitions: number; joinMs: number } | { phase: 'read'; received: number; expected: number }) => void;
}

export async function roundTrip(options: RoundTripOptions): Promise<RoundTripResult> {
  const { settings, runId, consumer: cfg } = options;
  const admin = options.consumerKafka.admin();
  const consumer = options.consumerKafka.consumer({
    groupId: cfg.groupId,
    // Microsoft's recommendations for Event Hubs consumers.
    sessionTimeout: 30000,
    heartbeatInterval: 3000,
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  const received: ReceivedEvent[] = [];
  const firstSeenAt = new Map<string, number>();
  const sentAt = new Map<string, number>();
  let allArrived: () => void = () => undefined;
  const arrived = new Promise<void>((r) => (allArrived = r));
  const sent: SentEvent[] = [];
  try {
    await withDeadline(admin.connect(), settings.KAFKA_CONNECT_TIMEOUT_MS * 2, 'consumer-side admin connect');
    // Kafka consumers start at the end of the stream: note where it ends now, and read from there.
    const start = await withDeadline(admin.fetchTopicOffsets(cfg.topic), settings.KAFKA_REQUEST_TIMEOUT_MS, `end offsets of ${cfg.topic}`);
    await withDeadline(consumer.connect(), settings.KAFKA_CONNECT_TIMEOUT_MS * 2, 'consumer connect');
    await withDeadline(consumer.subscribe({ topics: [cfg.topic], fromBeginning: false }), settings.KAFKA_REQUEST_TIMEOUT_MS, 'subscribe');
    const joinStart = performance.now();
    const joined = new Promise<number[]>((resolveJoin, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, (e) => resolveJoin(e.payload.memberAssignment[cfg.topic] ?? []));
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        let value: { runId?: string; seq?: number; id?: string } | undefined;
        try {
          value = JSON.parse(message.value?.toString() ?? 'null') as typeof value;
        } catch {
          return; // not one of ours
        }
        if (!value || value.runId !== runId || typeof value.id !== 'string') return;
        const now = performance.now();
        received.push({ id: value.id, key: message.key?.toString() ?? '', seq: value.seq ?? -1, partition });
        if (!firstSeenAt.has(value.id)) {
          firstSeenAt.set(value.id, now);
          options.onProgress?.({ phase: 'read', received: firstSeenAt.size, expected: settings.ROUND_TRIP_EVENTS });
        }
        if (firstSeenAt.size >= sent.length && sent.length === settings.ROUND_TRIP_EVENTS) allArrived();
      },
    });
    const assigned = await withDeadline(joined, settings.KAFKA_REQUEST_TIMEOUT_MS * 2, 'consumer group join');
    const joinMs = Math.round(performance.now() - joinStart);
    options.onProgress?.({ phase: 'joined', partitions: assigned.length, joinMs });
    for (const p of assigned) {
      const offset = start.find((s) => s.partition === p)?.offset ?? '0';
      consumer.seek({ topic: cfg.topic, partition: p, offset });
    }

    const produceStart = performance.now();
    for (let i = 0; i < settings.ROUND_TRIP_EVENTS; i++) {
      if (performance.now() - produceStart > settings.ROUND_TRIP_TIMEOUT_MS) {
        throw new DeadlineError(`producing the round-trip events (${i} of ${settings.ROUND_TRIP_EVENTS} sent)`, settings.ROUND_TRIP_TIMEOUT_MS);
      }
      const key = `rt-key-${i % settings.ROUND_TRIP_KEYS}`;
      const seq = Math.floor(i / settings.ROUND_TRIP_KEYS);
      const id = `${runId}-${i}`;
      sent.push({ id, key, seq });
      sentAt.set(id, performance.now());
      await sendEvent(options.producer, settings, options.produceTopic, { key, value: { ...deviceStatus(seq, runId), id } });
    }
    if (firstSeenAt.size >= sent.length) allArrived();
    const waitStart = performance.now();
    await withDeadline(arrived, settings.ROUND_TRIP_TIMEOUT_MS, 'waiting for the events to come back').catch(() => undefined);
    const waitedMs = Math.round(performance.now() - waitStart);
    const latencies = [...firstSeenAt.entries()].map(([id, at]) => at - (sentAt.get(id) ?? at));
    const partitionsByKey = new Map<string, Set<number>>();
    for (const r of received) partitionsByKey.set(r.key, (partitionsByKey.get(r.key) ?? new Set()).add(r.partition));
    const keysOnSeveralPartitions = [...partitionsByKey.values()].filter((p) => p.size > 1).length;
    return { account: accountDeliveries(sent, received), latency: summarize(latencies), latencyHistogram: encodeHistogram(histogramOfMs(latencies)), joinMs, waitedMs, partitionsAssigned: assigned.length, keysOnSeveralPartitions };
  } finally {
    await withDeadline(consumer.disconnect(), 5000, 'consumer disconnect').catch(() => undefined);
    await withDeadline(admin.disconnect(), 3000, 'admin disconnect').catch(() => undefined);
  }
}
