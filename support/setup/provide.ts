// Shared by both profiles' globalSetup: validate the endpoint settings, run the staged preflight once, provide results.
import type { TestProject } from 'vitest/node';
import { checkEndpointEnv, formatProblem } from '../config.js';
import { runPreflight, type Preflight } from '../probes.js';
import { redact } from '../redact.js';
import { readSettings, type Env } from '../settings.js';
import type { Profile } from './context.js';

/** Only FABRIC_* and READINESS_* travel to the test workers. */
export function runEnvOf(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && /^(FABRIC|READINESS)_/.test(k)) out[k] = v;
  return out;
}

export async function provideEndpoint(project: TestProject, profile: Profile, env: Env, envFile = ''): Promise<Preflight | null> {
  const runEnv = runEnvOf(env);
  project.provide('profile', profile);
  project.provide('runEnv', runEnv);
  project.provide('envFile', envFile);
  let preflight: Preflight | null = null;
  let skipped = '';
  const { config, problems } = checkEndpointEnv(runEnv, project.config.root);
  let settings: ReturnType<typeof readSettings> | undefined;
  try {
    settings = readSettings(runEnv);
  } catch (error) {
    skipped = `settings are invalid: ${(error as Error).message}`;
  }
  if (!config) skipped = `configuration is invalid: ${problems.map(formatProblem).join('; ')}`;
  if (config && settings) {
    const line = (s: string) => process.stderr.write(`[readiness ${profile}] ${redact(s)}\n`);
    preflight = await runPreflight(config, {
      settings,
      onStage: (r) => line(`${r.stage.padEnd(8)} ${r.status.padEnd(7)} ${r.message} (${r.durationMs} ms)`),
    });
  }
  project.provide('preflight', preflight);
  project.provide('preflightSkipped', redact(skipped));
  return preflight;
}
