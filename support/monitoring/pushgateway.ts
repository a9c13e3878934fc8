// Pushes a run's samples to a Prometheus Pushgateway: Prometheus' plain text exposition format, PUT to the job's group.
import { LABEL, METRIC, type MetricKey, type Sample } from './metric-table.js';

export const PUSH_JOB = 'eventstream_readiness';

/** The group a run replaces on the gateway: its profile and endpoint (host:port list; never a key name or secret). */
export interface PushGroup {
  readonly profile: string;
  readonly endpoint: string;
}

/** A label value in the text format: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed escaped. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** A sample's labels in METRIC's order; a label the metric does not declare is refused (labels stay bounded). */
function labelText(sample: Sample): string {
  const spec = METRIC[sample.metric];
  for (const key of Object.keys(sample.labels)) {
    if (!(spec.labels as readonly string[]).includes(key)) throw new Error(`${spec.prometheus}: label ${key} is not in the metric table`);
  }
  const parts = spec.labels.flatMap((key) => {
    const value = sample.labels[key];
    return value === undefined ? [] : [`${LABEL[key].prometheus}="${escapeLabelValue(value)}"`];
  });
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** The samples in the text exposition format (version 0.0.4): HELP and TYPE once per metric, in the table's order. */
export function exposition(samples: readonly Sample[]): string {
  const lines: string[] = [];
  for (const key of Object.keys(METRIC) as MetricKey[]) {
    const mine = samples.filter((s) => s.metric === key);
    if (mine.length === 0) continue;
    const spec = METRIC[key];
    lines.push(`# HELP ${spec.prometheus} ${escapeHelp(spec.help)}`, `# TYPE ${spec.prometheus} ${spec.type}`);
    for (const s of mine) lines.push(`${spec.prometheus}${labelText(s)} ${formatValue(s.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** URL-safe base64 without padding, as the Pushgateway reads a `label@base64` path segment (a value may hold '/' or ','). */
function base64Segment(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/** The group's URL (/metrics/job/<job>/profile/<p>/endpoint@base64/<e>) and the Basic credentials taken out of the base URL. */
export function groupRequest(baseUrl: string, group: PushGroup): { url: string; authorization?: string } {
  const base = new URL(baseUrl);
  const authorization =
    base.username || base.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`
      : undefined;
  base.username = '';
  base.password = '';
  const path = `${base.pathname.replace(/\/$/, '')}/metrics/job/${PUSH_JOB}/profile@base64/${base64Segment(group.profile)}/endpoint@base64/${base64Segment(group.endpoint)}`;
  base.pathname = path;
  return { url: base.toString(), authorization };
}

/** PUT replaces the group's metrics with this run's; rejects on a refusal or a non-2xx answer. */
export async function pushToGateway(baseUrl: string, group: PushGroup, samples: readonly Sample[], signal: AbortSignal): Promise<void> {
  const { url, authorization } = groupRequest(baseUrl, group);
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'Content-Type': 'text/plain; version=0.0.4', ...(authorization ? { Authorization: authorization } : {}) },
    body: exposition(samples),
    signal,
  });
  if (!response.ok) {
    const text = (await response.text()).slice(0, 200).trim();
    throw new Error(`the Pushgateway answered HTTP ${response.status}${text ? `: ${text}` : ''}`);
  }
}
