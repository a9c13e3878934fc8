// Pushes a finished run's figures to every configured monitoring destination, each within its own deadline; a failure is one warning, never the run's verdict.
import { withDeadline } from '../core/deadline.js';
import { redact, registerSecret } from '../core/redact.js';
import { destinationName, monitoringDestinations, monitoringSecrets, type MonitoringSettings } from '../inputs/monitoring.js';
import type { Env } from '../inputs/settings.js';
import type { MonitoringOutcome, ReadinessReport } from '../report/model.js';
import { samplesOf, type Sample, type SampleOptions } from './metric-table.js';
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

/** One destination's push, named as the report names the destination. */
type PushJob = { readonly name: string; readonly push: (signal: AbortSignal) => Promise<void> };

/** The jobs for the configured destinations, each named as the report names it. */
function pushJobs(settings: MonitoringSettings, group: { profile: string; endpoint: string }, samples: readonly Sample[]): PushJob[] {
  const { pushgatewayUrl, otlpEndpoint } = settings;
  return [
    ...(pushgatewayUrl
      ? [{ name: destinationName('Pushgateway', pushgatewayUrl), push: (signal: AbortSignal) => pushToGateway(pushgatewayUrl, group, samples, signal) }]
      : []),
    ...(otlpEndpoint
      ? [{ name: destinationName('OTLP', otlpEndpoint), push: async () => (await loadOtlp()).pushOtlp(group, samples, settings.pushTimeoutMs) }]
      : []),
  ];
}

/** Every job at once, each within its own deadline; what went through, and a warning for each that did not. */
async function pushAll(jobs: readonly PushJob[], timeoutMs: number): Promise<{ pushed: string[]; warnings: string[] }> {
  const reasons = await Promise.all(jobs.map((j) => attempt(j.name, timeoutMs, j.push)));
  const pushed: string[] = [];
  const warnings: string[] = [];
  jobs.forEach((job, i) => {
    const reason = reasons[i];
    if (reason === undefined) pushed.push(job.name);
    else warnings.push(`monitoring: the run's figures were NOT pushed to ${job.name}: ${reason}`);
  });
  return { pushed, warnings };
}

/**
 * Pushes the run's samples once to the Pushgateway and the OTLP endpoint that are configured. Never throws: a
 * destination that is down, refuses or hangs (or figures that cannot be prepared) give one warning line each and a
 * warning in the returned outcome.
 */
export async function pushRunMetrics(report: ReadinessReport, options: PushOptions): Promise<MonitoringOutcome | undefined> {
  const { settings } = options;
  const destinations = monitoringDestinations(settings);
  if (destinations.length === 0) return undefined;
  for (const secret of monitoringSecrets(settings, options.env)) registerSecret(secret);
  let outcome: MonitoringOutcome;
  try {
    const samples = samplesOf(report, options);
    const { pushed, warnings } = await pushAll(pushJobs(settings, groupOf(report, options.profile), samples), settings.pushTimeoutMs);
    if (pushed.length) options.say(`monitoring: ${samples.length} figures pushed to ${pushed.join(' and ')}`);
    outcome = { destinations, pushed, samples: samples.length, warnings };
  } catch (error) {
    const why = redact(((error as Error).message ?? String(error)).split('\n')[0] ?? '');
    outcome = { destinations, pushed: [], samples: 0, warnings: [`monitoring: the run's figures were NOT pushed: ${why}`] };
  }
  for (const w of outcome.warnings) options.say(`${w} (the verdict stays ${report.verdict.toUpperCase()})`);
  return outcome;
}
