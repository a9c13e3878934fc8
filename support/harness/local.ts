// globalSetup of the `local` project: starts a throwaway Eventstream-shaped broker and points the checks at it.
import { readFileSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import type { TestProject } from 'vitest/node';
import { brokerMode, startLocalBroker, topicSetup, topicsOf, type LocalBroker } from '../broker/index.js';
import { checkRunPaths, exitOnPathProblems } from '../inputs/paths.js';
import { redactError } from '../core/redact.js';
import { parseRelayShape, startRelay, type Relay } from '../broker/eventstream-relay.js';
import { provideEndpoint } from './provide.js';
import { localBrokerClient } from '../kafka/client.js';
import { standInEndpoints, standInEnv, startFabricStandIn, type FabricStandIn } from '../broker/fabric-standin.js';

/** The custom endpoint destination's topic the relay writes to. */
const RELAY_DESTINATION = { name: 'telemetry-destination', partitions: 3, destination: true } as const;

/** The relay is the eventstream itself: it reads and writes with the namespace key. */
function relayClient(broker: LocalBroker): Kafka {
  return localBrokerClient({
    clientId: 'readiness-relay',
    bootstrap: String(broker.env.FABRIC_KAFKA_BOOTSTRAP),
    login: { caPem: readFileSync(broker.caFile, 'utf8'), password: broker.keys.namespace },
  });
}

/** LOCAL_FABRIC_API: on (default) starts a stand-in of Fabric's REST API describing the broker as an eventstream; off leaves it out. */
function fabricApiWanted(raw: string | undefined): boolean {
  const value = (raw ?? '').trim() || 'on';
  if (value === 'on' || value === 'off') return value === 'on';
  throw new Error(`LOCAL_FABRIC_API: expected on or off, got ${JSON.stringify(value)}`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Paths are checked before the broker starts; the CA file is the broker's own, so only the user's paths count.
  exitOnPathProblems(checkRunPaths({ ...process.env, FABRIC_KAFKA_CA_FILE: undefined }, project.config.root));
  // Parsed before anything starts: a typo names the variable at once.
  const sources = topicsOf(topicSetup(process.env.LOCAL_BROKER_TOPICS));
  // LOCAL_RELAY: a relay plays the Eventstream between the telemetry topic and a destination topic the round trip reads.
  const relayShape = process.env.LOCAL_RELAY?.trim() ? parseRelayShape(process.env.LOCAL_RELAY) : undefined;
  const topics = relayShape ? [...sources, RELAY_DESTINATION] : sources;
  const withFabricApi = fabricApiWanted(process.env.LOCAL_FABRIC_API);
  // Start-up errors carry broker output: redact before Vitest prints them.
  const broker = await startLocalBroker(brokerMode(process.env.LOCAL_BROKER), {
    topics,
    log: (line) => process.stderr.write(`[local broker] ${line}\n`),
  }).catch((error: unknown) => {
    throw redactError(error);
  });
  let relay: Relay | undefined;
  let standIn: FabricStandIn | undefined;
  try {
    if (relayShape) {
      relay = await startRelay(relayClient(broker), {
        from: sources[0]?.name ?? 'telemetry',
        to: RELAY_DESTINATION.name,
        shape: relayShape,
        groupId: 'readiness-relay',
        log: (line) => process.stderr.write(`[local broker] ${line}\n`),
      });
    }
    // The control plane reads the broker as an eventstream from the stand-in (FABRIC_WORKSPACE_ID, ..._API_URL, ..._API_TOKEN).
    if (withFabricApi) standIn = await startFabricStandIn(standInEndpoints(broker));
    // READINESS_* tuning from the environment still applies; the endpoint is the broker's.
    const env = { ...process.env, ...broker.env, ...(standIn ? standInEnv(standIn) : {}) };
    const removeJournal = await provideEndpoint(project, 'local', env, { secretSource: { kind: 'generated' } });
    return async () => {
      await removeJournal();
      await standIn?.stop();
      await relay?.stop();
      await broker.stop();
    };
  } catch (error) {
    await standIn?.stop();
    await relay?.stop();
    await broker.stop();
    throw error;
  }
}
