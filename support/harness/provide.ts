// Shared by both profiles' globalSetup: validate the endpoint settings, run the staged preflight once, provide results.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { own } from '../core/cleanup.js';
import { judgeSecretStorage, type SecretSource } from '../inputs/secrets.js';
import { formatProblem } from '../inputs/config.js';
import { runPreflight, type Preflight } from '../preflight/probes.js';
import { redact } from '../core/redact.js';
import { parseRunInputs } from '../inputs/run-inputs.js';
import type { Env } from '../inputs/settings.js';
import type { Profile } from './context.js';

/** Only FABRIC_* and READINESS_* travel to the test workers. */
export function runEnvOf(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && /^(FABRIC|READINESS)_/.test(k)) out[k] = v;
  return out;
}

export interface ProvideOptions {
  /** The .env file that was read, if any. */
  readonly envFile?: string;
  readonly secretSource: SecretSource;
}

/**
 * Provides the endpoint, the preflight and the run journal to the checks; returns the teardown
 * that removes the journal.
 */
export async function provideEndpoint(project: TestProject, profile: Profile, env: Env, options: ProvideOptions): Promise<() => Promise<void>> {
  const runEnv = runEnvOf(env);
  project.provide('profile', profile);
  project.provide('runEnv', runEnv);
  project.provide('envFile', options.envFile ?? '');
  project.provide('secrets', judgeSecretStorage(options.secretSource));
  const journalDir = mkdtempSync(join(tmpdir(), 'eventstream-readiness-journal-'));
  const journal = own({ dir: journalDir, guardDir: true });
  project.provide('journalFile', join(journalDir, 'journal.jsonl'));
  // Parsed once, here; workers, fixtures, checks and the reporter use these values and never parse again.
  const inputs = parseRunInputs(runEnv, { profile, cwd: project.config.root });
  project.provide('inputs', inputs);
  let preflight: Preflight | null = null;
  let skipped = '';
  const { settings } = inputs;
  const { config, problems, entityProblems } = inputs.endpoint;
  if (inputs.settingsProblems.length > 0) skipped = `settings are invalid: ${inputs.settingsProblems.map((p) => p.message).join('; ')}`;
  if (!config) skipped = `configuration is invalid: ${problems.map(formatProblem).join('; ')}`;
  // A key scoped to another event hub would only meet TOPIC_AUTHORIZATION_FAILED: judged before the network.
  else if (entityProblems.length > 0 && settings.ENTITY_PATH_CHECK !== 'warn')
    skipped = `a connection string is scoped to another topic: ${entityProblems.map(formatProblem).join('; ')}`;
  if (config && !skipped) {
    const line = (s: string) => process.stderr.write(`[readiness ${profile}] ${redact(s)}\n`);
    preflight = await runPreflight(config, {
      settings,
      onStage: (r) => line(`${r.stage.padEnd(8)} ${r.status.padEnd(7)} ${r.message} (${r.durationMs} ms)`),
    });
  }
  project.provide('preflight', preflight);
  project.provide('preflightSkipped', redact(skipped));
  return () => journal.release(0);
}
