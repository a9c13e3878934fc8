// The readiness rows: the notebook's five (DnsResolved, Tcp<port>Open, SecretsStored, TopicPlanned, MonitoringDefined) and the control plane's two, each with a meaning that can fail.
import type { Preflight } from '../preflight/stages.js';
import type { ControlPlaneResult } from '../record/control-plane.js';
import type { ReadinessRow, RowStatus } from './model.js';

export interface RowInputs {
  readonly preflight: Preflight | null;
  readonly preflightSkipped: string;
  readonly port: number;
  readonly secrets: { readonly status: RowStatus; readonly evidence: string };
  readonly topics: { readonly telemetry?: string; readonly orders?: string };
  readonly baseline: { readonly used: boolean; readonly note: string };
  /** Where the run pushes its figures ("Pushgateway http://host:9091", "OTLP ..."), named without credentials; absent or empty: nowhere. */
  readonly monitoring?: { readonly destinations: readonly string[] };
  /** What Fabric's control plane said; absent (older callers) reads as not configured. */
  readonly controlPlane?: ControlPlaneResult;
}

function stageRow(name: string, meaning: string, inputs: RowInputs, stage: 'dns' | 'tcp'): ReadinessRow {
  const result = inputs.preflight?.stages.find((s) => s.stage === stage);
  if (!result || result.status === 'not-run') {
    return { name, meaning, status: 'Not Run', evidence: result?.message ?? `not run: ${inputs.preflightSkipped || 'no preflight'}` };
  }
  const measured = Object.entries(result.measured)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');
  return { name, meaning, status: result.status === 'pass' ? 'Pass' : 'Action Required', evidence: result.status === 'pass' ? measured : result.message };
}

/** The notebook's rows, each with a meaning that can fail. */
export function readinessRows(inputs: RowInputs): ReadinessRow[] {
  const topicsStage = inputs.preflight?.stages.find((s) => s.stage === 'topics');
  const planned = Boolean(inputs.topics.telemetry && inputs.topics.orders);
  let topicRow: ReadinessRow;
  const topicMeaning = 'both topics are configured and exist on the endpoint with at least one partition';
  if (!planned)
    topicRow = {
      name: 'TopicPlanned',
      meaning: topicMeaning,
      status: 'Action Required',
      evidence: 'FABRIC_TOPIC_TELEMETRY and FABRIC_TOPIC_ORDERS must both be set',
    };
  else if (!topicsStage || topicsStage.status === 'not-run')
    topicRow = { name: 'TopicPlanned', meaning: topicMeaning, status: 'Not Run', evidence: topicsStage?.message ?? 'connectivity was not checked' };
  else if (topicsStage.status === 'fail') topicRow = { name: 'TopicPlanned', meaning: topicMeaning, status: 'Action Required', evidence: topicsStage.message };
  else {
    topicRow = {
      name: 'TopicPlanned',
      meaning: topicMeaning,
      status: 'Pass',
      evidence: `telemetry "${inputs.topics.telemetry}" ${topicsStage.measured['telemetry partitions']} partition(s), orders "${inputs.topics.orders}" ${topicsStage.measured['orders partitions']} partition(s)`,
    };
  }
  return [
    stageRow('DnsResolved', 'every bootstrap host name resolves from this runner', inputs, 'dns'),
    stageRow(`Tcp${inputs.port}Open`, `a TCP connection to port ${inputs.port} of every bootstrap host opens within the limit`, inputs, 'tcp'),
    {
      name: 'SecretsStored',
      meaning: 'the connection string comes from the environment (a CI secret or secret store) or an untracked, owner-only .env file; never from a file in git',
      ...inputs.secrets,
    },
    topicRow,
    monitoringRow(inputs),
    eventstreamRunningRow(inputs.controlPlane),
    testEventsFilteredRow(inputs.controlPlane),
  ];
}

/** MonitoringDefined: a regression or a failed gate is noticed, by the baseline comparison or by the alert rules watching the pushed figures. */
function monitoringRow(inputs: RowInputs): ReadinessRow {
  const meaning =
    'this run is compared with a previous run (READINESS_BASELINE), or pushes its figures to a Prometheus Pushgateway or an OTLP endpoint ' +
    '(READINESS_PUSHGATEWAY_URL, OTEL_EXPORTER_OTLP_ENDPOINT) that the shipped alert rules watch, so a regression or a failed gate is noticed';
  const destinations = inputs.monitoring?.destinations ?? [];
  const pushed = destinations.length ? `figures pushed to ${destinations.join(' and ')} (alert rules: fixtures/monitoring/alerts.yml)` : '';
  return {
    name: 'MonitoringDefined',
    meaning,
    status: inputs.baseline.used || destinations.length > 0 ? 'Pass' : 'Action Required',
    evidence: inputs.baseline.used ? [inputs.baseline.note, pushed].filter(Boolean).join('; ') : pushed || inputs.baseline.note,
  };
}

const NOT_ASKED = 'the control plane was not asked (FABRIC_WORKSPACE_ID and FABRIC_EVENTSTREAM_ID are not set)';

/** EventstreamRunning: Fabric itself reports every source and destination Running, and the run's custom endpoint is this eventstream's. */
function eventstreamRunningRow(cp: ControlPlaneResult | undefined): ReadinessRow {
  const meaning =
    "Fabric's REST API reports every source (connector) and destination of the eventstream Running, and the custom endpoint the run writes to belongs to it";
  if (!cp?.configured) return { name: 'EventstreamRunning', meaning, status: 'Not Run', evidence: cp?.reason ?? NOT_ASKED };
  const steps = cp.steps.filter((st) => ['identity', 'eventstream', 'sources', 'destinations', 'custom-endpoint'].includes(st.step));
  const failed = steps.find((st) => st.status === 'fail');
  if (failed) return { name: 'EventstreamRunning', meaning, status: 'Action Required', evidence: failed.message };
  const notRun = steps.find((st) => st.status === 'not-run');
  if (notRun) return { name: 'EventstreamRunning', meaning, status: 'Not Run', evidence: notRun.message };
  const nodes = cp.topology?.nodes ?? [];
  const count = (kind: string) => nodes.filter((n) => n.kind === kind).length;
  const warned = steps.flatMap((st) => st.warnings).length;
  return {
    name: 'EventstreamRunning',
    meaning,
    status: 'Pass',
    evidence: `${count('source')} source(s) and ${count('destination')} destination(s) Running or External; ${cp.steps.find((st) => st.step === 'custom-endpoint')?.message ?? ''}${warned ? ` (${warned} warning(s))` : ''}`,
  };
}

/** TestEventsFiltered: the run's marked events cannot reach a real destination (Eventhouse, Lakehouse, ...). */
function testEventsFilteredRow(cp: ControlPlaneResult | undefined): ReadinessRow {
  const meaning =
    "every destination the run's test events reach (besides the custom endpoint destination the round trip reads) is behind a Filter that drops events carrying readinessTest";
  if (!cp?.configured) return { name: 'TestEventsFiltered', meaning, status: 'Not Run', evidence: cp?.reason ?? NOT_ASKED };
  const step = cp.steps.find((st) => st.step === 'test-events');
  if (!step || step.status === 'not-run') return { name: 'TestEventsFiltered', meaning, status: 'Not Run', evidence: step?.message ?? 'no result' };
  const open = step.measured.unprotected;
  if (step.status === 'fail' || (open !== undefined && open !== '(none)'))
    return { name: 'TestEventsFiltered', meaning, status: 'Action Required', evidence: step.message };
  return { name: 'TestEventsFiltered', meaning, status: 'Pass', evidence: step.message };
}
