// Pushes a run's samples over OTLP/HTTP (protobuf) with the OpenTelemetry JS SDK: endpoint, headers and resource attributes come from the standard OTEL_* variables.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { LABEL, METRIC, type LabelKey, type MetricKey, type Sample } from './metric-table.js';

/** A reader that exports only when asked: a run pushes once, at its end (a batch job, not a periodic one). */
class OnceReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The resource: the SDK's own attributes, service.name, the run's profile and endpoint, then OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME. */
function runResource(group: { profile: string; endpoint: string }) {
  return defaultResource()
    .merge(
      resourceFromAttributes({ 'service.name': 'eventstream-readiness', 'eventstream_readiness.profile': group.profile, 'server.address': group.endpoint }),
    )
    .merge(detectResources({ detectors: [envDetector] }));
}

function attributesOf(labels: Sample['labels']): Record<string, string> {
  const out: Record<string, string> = { 'messaging.system': 'kafka' };
  for (const [key, value] of Object.entries(labels)) if (value !== undefined) out[LABEL[key as LabelKey].otel] = value;
  return out;
}

/** Records every sample on a gauge of METRIC's OpenTelemetry name and unit. */
function record(provider: MeterProvider, samples: readonly Sample[]): void {
  const meter = provider.getMeter('eventstream-readiness');
  for (const key of Object.keys(METRIC) as MetricKey[]) {
    const mine = samples.filter((s) => s.metric === key);
    if (mine.length === 0) continue;
    const spec = METRIC[key];
    const gauge = meter.createGauge(spec.otel, { description: spec.help, unit: spec.unit });
    for (const s of mine) gauge.record(s.value, attributesOf(s.labels));
  }
}

/** Collects once and exports once; rejects with the exporter's error. The exporter reads OTEL_EXPORTER_OTLP_* itself. */
export async function pushOtlp(group: { profile: string; endpoint: string }, samples: readonly Sample[], timeoutMs: number): Promise<void> {
  const reader = new OnceReader();
  const provider = new MeterProvider({ resource: runResource(group), readers: [reader] });
  const exporter = new OTLPMetricExporter({ timeoutMillis: timeoutMs });
  try {
    record(provider, samples);
    const { resourceMetrics } = await reader.collect({ timeoutMillis: timeoutMs });
    const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(resourceMetrics, resolve));
    if (result.code !== 0) throw result.error ?? new Error('the OTLP export failed');
  } finally {
    void exporter.shutdown().catch(() => undefined);
    void provider.shutdown().catch(() => undefined);
  }
}
