// Merges the environment with one .env file (dotenv), and registers the secret variables for redaction as they are read.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { registerSecret } from '../core/redact.js';
import { checkFileSetting, PathSettingError } from './paths.js';
import type { Env } from './settings.js';

/** Variables whose values are secret: they are registered for redaction as soon as they are read. */
export const SECRET_VARIABLES: readonly string[] = ['FABRIC_KAFKA_PASSWORD', 'FABRIC_ORDERS_PASSWORD', 'FABRIC_CONSUMER_PASSWORD', 'FABRIC_API_TOKEN'];

/** Points at one .env file to use instead of ./.env, e.g. .env.prod for a second Eventstream. */
export const ENV_FILE_VARIABLE = 'EVENTSTREAM_ENV_FILE';

export interface LoadedEnvironment {
  readonly env: Env;
  /** The .env file that was read, if any. */
  readonly file?: string;
  /** Variables whose value came from that file (the real environment did not set them). */
  readonly fromFile: ReadonlySet<string>;
}

/**
 * Merges the process environment with one .env file: EVENTSTREAM_ENV_FILE if set, else ./.env if present.
 * Real environment variables win over the file, as with dotenv's defaults.
 */
export function loadEnvironment(options: { cwd: string; env: Env }): LoadedEnvironment {
  const chosen = options.env[ENV_FILE_VARIABLE]?.trim();
  const path = chosen ? resolve(options.cwd, chosen) : resolve(options.cwd, '.env');
  // ./.env is optional; a chosen file must exist. Either must be a readable regular file (a FIFO would block).
  const unusable = checkFileSetting(ENV_FILE_VARIABLE, chosen || (existsSync(path) ? path : undefined), options.cwd, {
    what: 'the path of a readable .env file',
  });
  if (unusable) throw new PathSettingError([unusable]);
  const fromFile = existsSync(path) ? parseDotenv(readFileSync(path)) : {};
  const env: Env = { ...fromFile };
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;
  for (const name of SECRET_VARIABLES) registerSecret(env[name]);
  const taken = new Set(Object.keys(fromFile).filter((k) => options.env[k] === undefined));
  return { env, file: existsSync(path) ? path : undefined, fromFile: taken };
}
