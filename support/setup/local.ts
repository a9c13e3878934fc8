// globalSetup of the `local` project: starts a throwaway Eventstream-shaped broker and points the checks at it.
import type { TestProject } from 'vitest/node';
import { brokerMode, startLocalBroker, topicSetup, topicsOf } from '../broker/index.js';
import { checkRunPaths, exitOnPathProblems } from '../paths.js';
import { redactError } from '../redact.js';
import { provideEndpoint } from './provide.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Paths are checked before the broker starts; the CA file is the broker's own, so only the user's paths count.
  exitOnPathProblems(checkRunPaths({ ...process.env, FABRIC_KAFKA_CA_FILE: undefined }, project.config.root));
  // Parsed before anything starts: a typo names the variable at once.
  const topics = topicsOf(topicSetup(process.env.LOCAL_BROKER_TOPICS));
  // Start-up errors carry broker output: redact before Vitest prints them.
  const broker = await startLocalBroker(brokerMode(process.env.LOCAL_BROKER), {
    topics,
    log: (line) => process.stderr.write(`[local broker] ${line}\n`),
  }).catch((error: unknown) => {
    throw redactError(error);
  });
  try {
    // READINESS_* tuning from the environment still applies; the endpoint is the broker's.
    const removeJournal = await provideEndpoint(project, 'local', { ...process.env, ...broker.env }, { secretSource: { kind: 'generated' } });
    return async () => {
      await removeJournal();
      await broker.stop();
    };
  } catch (error) {
    await broker.stop();
    throw error;
  }
}
