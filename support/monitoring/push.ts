// Pushes a finished run's figures to every configured monitoring destination, each within its own deadline; a failure is one warning, never the run's verdict.
import { withDeadline } from '../core/deadline.js';
import { redact, registerSecret } from '../core/redact.js';
import { monitoringDestinations, monitoringSecrets, type MonitoringSettings } from '../inputs/monitoring.js';
import type { Env } from '../inputs/settings.js';
import type { MonitoringOutcome, ReadinessReport } from '../report/model.js';
import { samplesOf, type SampleOptions } from './metric-table.js';
import { pushToGateway } from './pushgateway.js';

export interface PushOptions extends SampleOptions {
  readonly settings: MonitoringSettings;
  /** The environment the OTLP exporter reads (OTEL_EXPORTER_OTLP_HEADERS ...): only its credentials are read here. */
  readonly env: Env;
  /** The group's profile when it is not the report's (`capacity` for a capacity merge). */
  readonly profile?: string;
  /** Where the run's line about the push (and each warning) goes: stderr in a run. */
  readonly say: (line: string) => void;
}

let otlpModule: Promise<typeof import('./otlp.js')> | undefined;

/**
 * The OpenTelemetry SDK, loaded only when OTLP is configured: a run without it does not load the SDK. A run starts
 * loading it early (preloadOtlp), so the push at its end spends its deadline on the network, not on module loading.
 */
function loadOtlp(): Promise<typeof import('./otlp.js')> {
  return (otlpModule ??= import('./otlp.js'));
}

/** Starts loading the OTLP exporter when the settings ask for OTLP (a failure shows at push time, as a warning). */
export function preloadOtlp(settings: MonitoringSettings): void {
  if (settings.otlpEndpoint) loadOtlp().catch(() => undefined);
}

/** The endpoint label: the bootstrap host[:port] list, as the report names it (never a key name or a secret). */
function groupOf(report: ReadinessReport, profile: string | undefined): { profile: string; endpoint: string } {
  return { profile: profile ?? report.profile, endpoint: report.endpoint.bootstrap };
}

/** One destination: its own deadline, its error turned into one redacted reason. */
async function attempt(name: string, timeoutMs: number, push: (signal: AbortSignal) => Promise<void>): Promise<string | undefined> {
  const abort = new AbortController();
  try {
    await withDeadline(push(abort.signal), timeoutMs, `the push to ${name}`, () => abort.abort());
    return undefined;
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const cause = e.cause?.code ?? e.cause?.message;
    return redact(`${e.message}${cause && !e.message.includes(cause) ? ` (${cause})` : ''}`.split('\n')[0] ?? '');
  }
}

/**
 * Pushes the run's samples once to the Pushgateway and the OTLP endpoint that are configured. Never throws: a
 * destination that is down, refuses or hangs gives one warning line and a warning in the returned outcome.
 */
export async function pushRunMetrics(report: ReadinessReport, options: PushOptions): Promise<MonitoringOutcome | undefined> {
  const { settings } = options;
  const destinations = monitoringDestinations(settings);
  if (destinations.length === 0) return undefined;
  for (const secret of monitoringSecrets(settings, options.env)) registerSecret(secret);
  const samples = samplesOf(report, options);
  const group = groupOf(report, options.profile);
  const jobs: Array<{ name: string; push: (signal: AbortSignal) => Promise<void> }> = [];
  const [gatewayName, otlpName] = [destinations.find((d) => d.startsWith('Pushgateway')), destinations.find((d) => d.startsWith('OTLP'))];
  if (settings.pushgatewayUrl && gatewayName)
    jobs.push({ name: gatewayName, push: (signal) => pushToGateway(settings.pushgatewayUrl as string, group, samples, signal) });
  if (settings.otlpEndpoint && otlpName) {
    jobs.push({ name: otlpName, push: async () => (await loadOtlp()).pushOtlp(group, samples, settings.pushTimeoutMs) });
  }
  const reasons = await Promise.all(jobs.map((j) => attempt(j.name, settings.pushTimeoutMs, j.push)));
  const pushed: string[] = [];
  const warnings: string[] = [];
  jobs.forEach((job, i) => {
    const reason = reasons[i];
    if (reason === undefined) pushed.push(job.name);
    else warnings.push(`monitoring: the run's figures were NOT pushed to ${job.name}: ${reason}`);
  });
  if (pushed.length) options.say(`monitoring: ${samples.length} figures pushed to ${pushed.join(' and ')}`);
  for (const w of warnings) options.say(`${w} (the verdict stays ${report.verdict.toUpperCase()})`);
  return { destinations, pushed, samples: samples.length, warnings };
}
