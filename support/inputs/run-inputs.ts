// The run's inputs, parsed once in global setup and handed to workers and the reporter as plain typed values.
import { checkConsumerEnv, checkEndpointEnv, type ConsumerConfig, type EndpointCheck } from './config.js';
import { type ConfigProblem } from './parsers.js';
import { checkEventHubsLimits, readSettingsChecked, type Env, type Settings } from './settings.js';

/** Everything the checks, fixtures and report read from the environment, already judged. Serializable. */
export interface RunInputs {
  readonly endpoint: EndpointCheck;
  readonly consumer: {
    readonly configured: boolean;
    readonly config?: ConsumerConfig;
    readonly problems: readonly ConfigProblem[];
    readonly entityProblems: readonly ConfigProblem[];
  };
  /** The READINESS_* settings; the defaults where they are invalid (then `settingsProblems` says why). */
  readonly settings: Settings;
  /** Invalid settings, and in the fabric profile what Event Hubs would refuse; each names its variable. */
  readonly settingsProblems: ReadonlyArray<{ readonly variable: string; readonly message: string }>;
}

export function parseRunInputs(runEnv: Env, options: { profile: 'fabric' | 'local'; cwd: string }): RunInputs {
  // Every bad value is reported, and only it falls back to its default: the rest of the run keeps what the user set.
  const { settings, problems } = readSettingsChecked(runEnv);
  const settingsProblems = problems.map((p) => ({ variable: p.variable, message: p.message }));
  // The real endpoint's bounds hold for the fabric profile; the local broker tolerates shorter timeouts.
  if (options.profile === 'fabric') for (const l of checkEventHubsLimits(settings)) settingsProblems.push({ variable: l.variable, message: l.message });
  return {
    endpoint: checkEndpointEnv(runEnv, options.cwd),
    consumer: checkConsumerEnv(runEnv, options.cwd),
    settings,
    settingsProblems,
  };
}

/** The secrets the inputs carry: every process that receives them registers these for redaction. */
export function secretsOf(inputs: RunInputs): string[] {
  const { config } = inputs.endpoint;
  return [config?.password, config?.orders.password, inputs.consumer.config?.password].filter((s): s is string => !!s);
}
