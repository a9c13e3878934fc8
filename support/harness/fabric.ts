// globalSetup of the `fabric` project: the endpoint comes from the environment and an optional .env file.
import type { TestProject } from 'vitest/node';
import { loadEnvironment } from '../inputs/env-file.js';
import { checkRunPaths, exitOnPathProblems, PathSettingError } from '../inputs/paths.js';
import type { SecretSource } from '../inputs/secrets.js';
import { provideEndpoint } from './provide.js';

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
  const secretSource: SecretSource = !loaded.env.FABRIC_KAFKA_PASSWORD
    ? { kind: 'missing' }
    : loaded.file && loaded.fromFile.has('FABRIC_KAFKA_PASSWORD')
      ? { kind: 'file', file: loaded.file }
      : { kind: 'environment' };
  return provideEndpoint(project, 'fabric', loaded.env, { envFile: loaded.file, secretSource });
}
