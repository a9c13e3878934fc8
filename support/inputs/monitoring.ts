// Where a run pushes its figures (a Prometheus Pushgateway, an OTLP/HTTP endpoint) and how long a push may take: read once, checked up front.
import { readNumberSetting, SettingError, type Env, type NumberSpec } from './settings.js';

/** The standard OpenTelemetry variables the OTLP exporter reads (the SDK reads them itself; they are checked here first). */
export const OTLP_ENDPOINT_VARIABLES = ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'] as const;

export const PUSH_TIMEOUT: NumberSpec = { default: 5000, min: 100, max: 60000, integer: true, help: "each monitoring push's deadline, ms" };

export interface MonitoringSettings {
  /** READINESS_PUSHGATEWAY_URL, as given (may hold credentials: a secret). */
  readonly pushgatewayUrl?: string;
  /** The OTLP variable that is set (the metrics-specific one wins, as in the SDK), absent when neither is. */
  readonly otlpVariable?: (typeof OTLP_ENDPOINT_VARIABLES)[number];
  readonly otlpEndpoint?: string;
  /** READINESS_PUSH_TIMEOUT_MS: each push's own deadline. */
  readonly pushTimeoutMs: number;
}

/** A URL's credentials masked, for messages. */
function withoutCredentials(raw: string): string {
  return raw.replace(/\/\/[^/@]*@/, '//***@');
}

function checkUrl(variable: string, raw: string | undefined, problems: SettingError[], example: string): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    problems.push(new SettingError(variable, `an http:// or https:// URL such as ${example}`, JSON.stringify(withoutCredentials(value))));
    return undefined;
  }
  return value;
}

/** READINESS_PUSHGATEWAY_URL, OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT and READINESS_PUSH_TIMEOUT_MS, with every problem named. */
export function readMonitoringSettings(env: Env): { settings: MonitoringSettings; problems: SettingError[] } {
  const problems: SettingError[] = [];
  const pushgatewayUrl = checkUrl('READINESS_PUSHGATEWAY_URL', env.READINESS_PUSHGATEWAY_URL, problems, 'http://pushgateway:9091');
  const otlpVariable = OTLP_ENDPOINT_VARIABLES.find((v) => env[v]?.trim());
  const otlpEndpoint = otlpVariable ? checkUrl(otlpVariable, env[otlpVariable], problems, 'http://otel-collector:4318') : undefined;
  const settings: MonitoringSettings = {
    pushgatewayUrl,
    ...(otlpEndpoint ? { otlpVariable, otlpEndpoint } : {}),
    pushTimeoutMs: readNumberSetting(env, 'READINESS_PUSH_TIMEOUT_MS', PUSH_TIMEOUT, problems) ?? PUSH_TIMEOUT.default,
  };
  return { settings, problems };
}

/** Credentials a push carries: a URL's user info and every OTEL_EXPORTER_OTLP_*HEADERS value. Register them for redaction. */
export function monitoringSecrets(settings: MonitoringSettings, env: Env): string[] {
  const secrets: string[] = [];
  for (const raw of [settings.pushgatewayUrl, settings.otlpEndpoint]) {
    if (!raw) continue;
    const url = new URL(raw);
    if (url.password) secrets.push(decodeURIComponent(url.password), url.password);
    if (url.username && url.password) secrets.push(`${url.username}:${url.password}`);
    if (url.search) secrets.push(raw);
  }
  for (const variable of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS']) {
    for (const pair of (env[variable] ?? '').split(',')) {
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      if (pair.includes('=') && value) secrets.push(value, decodeURIComponent(value));
    }
  }
  return [...new Set(secrets)];
}

/** A destination as messages and the report name it, without a credential ("Pushgateway http://host:9091"). */
export function destinationName(kind: 'Pushgateway' | 'OTLP', raw: string): string {
  const url = new URL(raw);
  return `${kind} ${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/** Where the run pushes, named without a credential ("Pushgateway http://host:9091", "OTLP http://collector:4318"). */
export function monitoringDestinations(settings: MonitoringSettings): string[] {
  return [
    ...(settings.pushgatewayUrl ? [destinationName('Pushgateway', settings.pushgatewayUrl)] : []),
    ...(settings.otlpEndpoint ? [destinationName('OTLP', settings.otlpEndpoint)] : []),
  ];
}
