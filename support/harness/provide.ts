// Shared by both profiles' globalSetup: validate the endpoint settings, run the staged preflight once, provide results.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { own } from '../core/cleanup.js';
import { judgeSecretStorage, type SecretSource } from '../inputs/secrets.js';
import { formatProblem } from '../inputs/parsers.js';
import { runPreflight, type Preflight } from '../preflight/stages.js';
import { redact } from '../core/redact.js';
import { parseRunInputs } from '../inputs/run-inputs.js';
import type { Env } from '../inputs/settings.js';
import type { Profile } from './context.js';
import { checkControlPlaneEnv } from '../inputs/control-plane.js';
import { readSettingsChecked } from '../inputs/settings.js';
import type { ControlPlaneOutcome } from '../fabric/control-plane.js';
import { CONTROL_PLANE_INFO, controlPlaneNotRun, type ControlPlaneResult } from '../record/control-plane.js';

/** Only FABRIC_* and READINESS_* travel to the test workers (the API token stays here: only global setup asks Fabric). */
export function runEnvOf(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && /^(FABRIC|READINESS)_/.test(k) && k !== 'FABRIC_API_TOKEN') out[k] = v;
  return out;
}

/** A control-plane setting that cannot be used: the Identity check fails naming it, the others are not run. */
function controlPlaneRefused(problems: string): ControlPlaneResult {
  const base = controlPlaneNotRun(`the control-plane settings are invalid (see ${CONTROL_PLANE_INFO.identity.title.split(':')[0]})`);
  const [first, ...rest] = base.steps;
  if (!first) return base;
  return {
    ...base,
    configured: true,
    steps: [
      {
        ...first,
        status: 'fail',
        message: problems,
        diagnosis: {
          failureClass: 'config',
          cause: 'a control-plane setting is missing or malformed',
          hint: 'fix the FABRIC_* variable named above (see .env.example)',
        },
      },
      ...rest,
    ],
  };
}

/** Asks Fabric's control plane first: its verdicts, and the Kafka settings it can provide when the user gave none. */
async function askControlPlane(env: Env, line: (s: string) => void): Promise<ControlPlaneOutcome> {
  const check = checkControlPlaneEnv(env);
  const none = { discoveredEnv: {}, extraLogins: [] };
  if (!check.configured) return { result: controlPlaneNotRun('FABRIC_WORKSPACE_ID and FABRIC_EVENTSTREAM_ID are not set'), ...none };
  if (!check.config) return { result: controlPlaneRefused(check.problems.map(formatProblem).join('; ')), ...none };
  // Loaded only when asked: the Fabric client and @azure/identity cost nothing to a run without the control plane.
  const { runControlPlane } = await import('../fabric/control-plane.js');
  return runControlPlane(check.config, {
    // Invalid READINESS_* values are reported by the Environment checks; the control plane uses their defaults.
    settings: readSettingsChecked(env).settings,
    env,
    onStep: (st) => line(`eventstream ${st.step.padEnd(15)} ${st.status.padEnd(7)} ${st.message} (${st.durationMs} ms)`),
  });
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
  const line = (s: string) => process.stderr.write(`[readiness ${profile}] ${redact(s)}\n`);
  const controlPlane = await askControlPlane(env, line);
  project.provide('controlPlane', controlPlane.result);
  // Discovered values fill only what the user left unset; they are secrets from the moment they arrived.
  const runEnv = { ...runEnvOf(env), ...controlPlane.discoveredEnv };
  project.provide('profile', profile);
  project.provide('runEnv', runEnv);
  project.provide('envFile', options.envFile ?? '');
  // A key fetched at run time is stored nowhere; a secret read from a .env file is still judged there.
  const secretSource: SecretSource =
    controlPlane.discoveredEnv.FABRIC_KAFKA_PASSWORD && options.secretSource.kind === 'missing' ? { kind: 'fabric' } : options.secretSource;
  project.provide('secrets', judgeSecretStorage(secretSource));
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
    preflight = await runPreflight(config, {
      settings,
      extraLogins: controlPlane.extraLogins,
      onStage: (r) => line(`${r.stage.padEnd(8)} ${r.status.padEnd(7)} ${r.message} (${r.durationMs} ms)`),
    });
  }
  project.provide('preflight', preflight);
  project.provide('preflightSkipped', redact(skipped));
  return () => journal.release(0);
}
