// globalSetup of the `self` project: one shared Eventstream-shaped broker for every end-to-end self test.
import type { TestProject } from 'vitest/node';
import { brokerMode, startLocalBroker } from '../broker/index.js';
import { DEFAULT_TOPICS } from '../broker/topics.js';
import { redactError } from '../core/redact.js';

export const CAPACITY_SELF_TOPIC = 'capacity-orders';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Start-up errors carry broker output: redact before Vitest prints them.
  const broker = await startLocalBroker(brokerMode(process.env.LOCAL_BROKER), {
    // The capacity self test's own topic: its end offsets grow only by what the shards wrote.
    topics: [...DEFAULT_TOPICS, { name: CAPACITY_SELF_TOPIC, partitions: 3 }],
    log: (line) => process.stderr.write(`[self broker] ${line}\n`),
  }).catch((error: unknown) => {
    throw redactError(error);
  });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(broker.env)) if (v !== undefined) env[k] = v;
  project.provide('selfBroker', { env, saslPort: broker.saslPort, connectionString: broker.connectionString, keys: broker.keys });
  return () => broker.stop();
}
