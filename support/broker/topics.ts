// The topics a local broker creates: the Eventstream setups it can imitate (two custom endpoints, or one).

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** A custom endpoint destination's topic: what a relay (the "eventstream") writes and the round trip reads. */
  readonly destination?: boolean;
}

export const DEFAULT_TOPICS: readonly TopicSpec[] = [
  { name: 'telemetry', partitions: 3 },
  { name: 'orders', partitions: 3 },
];

/** The other setup valid on Eventstream: one topic (one custom endpoint) for both checks, with its one key. */
export const ONE_TOPIC: readonly TopicSpec[] = [{ name: 'telemetry', partitions: 3 }];
