// globalSetup of the `fabric` project: the endpoint comes from the environment and an optional .env file.
import type { TestProject } from 'vitest/node';
import { ConfigError, loadEnvironment } from '../config.js';
import { provideEndpoint } from './provide.js';

export default async function setup(project: TestProject): Promise<void> {
  let loaded;
  try {
    loaded = loadEnvironment({ cwd: project.config.root, env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(error.message);
    throw error;
  }
  await provideEndpoint(project, 'fabric', loaded.env, loaded.file ?? '');
}
