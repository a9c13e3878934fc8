// globalSetup of the `fabric` project: the endpoint comes from the environment and an optional .env file.
import type { TestProject } from 'vitest/node';
import { loadEnvironment, SECRET_VARIABLES, type LoadedEnvironment } from '../inputs/env-file.js';
import { checkRunPaths, exitOnPathProblems, PathSettingError } from '../inputs/paths.js';
import type { SecretSource } from '../inputs/secrets.js';
import { provideEndpoint } from './provide.js';

/**
 * Where the run's secrets come from, for SecretsStored: a .env file as soon as any secret (the orders or consumer
 * connection string, the API token) is read from it, not only FABRIC_KAFKA_PASSWORD.
 */
export function secretSourceOf(loaded: LoadedEnvironment): SecretSource {
  const fromFile = SECRET_VARIABLES.filter((v) => loaded.fromFile.has(v) && loaded.env[v]?.trim());
  if (loaded.file && fromFile.length > 0) return { kind: 'file', file: loaded.file };
  if (!loaded.env.FABRIC_KAFKA_PASSWORD) return { kind: 'missing' };
  return { kind: 'environment' };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let loaded;
  try {
    loaded = loadEnvironment({ cwd: project.config.root, env: process.env });
  } catch (error) {
    if (error instanceof PathSettingError) exitOnPathProblems(error.problems);
    throw error;
  }
  // Every path the run will read is checked before any network stage: one line each, and out.
  exitOnPathProblems(checkRunPaths(loaded.env, project.config.root));
  return provideEndpoint(project, 'fabric', loaded.env, { envFile: loaded.file, secretSource: secretSourceOf(loaded) });
}
