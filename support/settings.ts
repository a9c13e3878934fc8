// The one place for every default, timeout and threshold; each can be overridden from the environment.

export type Env = Record<string, string | undefined>;

/** A setting that cannot be parsed: names the variable and the expected form, never echoes a secret. */
export class SettingError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${variable}: expected ${expected}, got ${got}`);
    this.name = 'SettingError';
  }
}

interface NumberSpec {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  readonly help: string;
}

const spec = <T extends Record<string, NumberSpec>>(s: T): T => s;

/**
 * Every tunable number. The env var is READINESS_<KEY>, e.g. READINESS_TCP_TIMEOUT_MS.
 * Timeouts are chosen so that a dead endpoint is judged well inside 30 s.
 */
export const NUMBER_SETTINGS = spec({
  DNS_TIMEOUT_MS: { default: 5000, min: 100, max: 120000, integer: true, help: 'DNS lookup deadline' },
  TCP_TIMEOUT_MS: { default: 5000, min: 100, max: 120000, integer: true, help: 'TCP connect deadline' },
  TLS_TIMEOUT_MS: { default: 5000, min: 100, max: 120000, integer: true, help: 'TLS handshake deadline' },
  // Event Hubs enforces a 20 s minimum request timeout on its side; ours only bounds how long we wait.
  KAFKA_REQUEST_TIMEOUT_MS: { default: 10000, min: 1000, max: 120000, integer: true, help: 'Kafka request deadline' },
  KAFKA_CONNECT_TIMEOUT_MS: { default: 5000, min: 500, max: 60000, integer: true, help: 'Kafka connect + SASL deadline' },
  KAFKA_RETRIES: { default: 1, min: 0, max: 10, integer: true, help: 'kafkajs retries per request' },
  TLS_CERT_FAIL_DAYS: { default: 7, min: 0, max: 3650, integer: true, help: 'fail when the certificate expires in fewer days' },
  TLS_CERT_WARN_DAYS: { default: 30, min: 0, max: 3650, integer: true, help: 'warn when the certificate expires in fewer days' },
  TCP_MAX_CONNECT_MS: { default: 3000, min: 1, max: 120000, integer: true, help: 'fail when TCP connect takes longer' },
});

export type NumberSettingKey = keyof typeof NUMBER_SETTINGS;
export type Settings = { readonly [K in NumberSettingKey]: number };

export function readSettings(env: Env): Settings {
  const out: Partial<Record<NumberSettingKey, number>> = {};
  for (const key of Object.keys(NUMBER_SETTINGS) as NumberSettingKey[]) {
    const s = NUMBER_SETTINGS[key];
    const variable = `READINESS_${key}`;
    const raw = env[variable]?.trim();
    if (raw === undefined || raw === '') {
      out[key] = s.default;
      continue;
    }
    const value = Number(raw);
    const kind = s.integer ? 'an integer' : 'a number';
    if (!Number.isFinite(value) || (s.integer && !Number.isInteger(value)) || value < s.min || value > s.max) {
      throw new SettingError(variable, `${kind} from ${s.min} to ${s.max} (${s.help})`, JSON.stringify(raw));
    }
    out[key] = value;
  }
  return out as Settings;
}
