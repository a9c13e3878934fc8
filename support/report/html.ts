// Renders the readiness report as one self-contained HTML page (inline CSS and SVG charts, no script, no network).
import { CHECK_ID } from '../record/ids.js';
import type { CapacityReport } from '../capacity/model.js';
import type { ControlPlaneResult, NodeVerdict } from '../record/control-plane.js';
import { buildCharts, type Chart } from './charts.js';
import type { ReadinessReport, ReportCheck } from './model.js';
import { topologyLegend, topologyRows, topologySummary, topologySvg, whyNoTopology } from './topology.js';
import { trendWarnings } from './trend.js';

const STATUS_CLASS: Record<string, string> = { Pass: 'pass', 'Action Required': 'fail', 'Not Run': 'skip' };

export function escapeHtml(text: string | number | boolean | undefined | null): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function status(s: string): string {
  return `<span class="status ${STATUS_CLASS[s] ?? 'skip'}">${escapeHtml(s)}</span>`;
}

function values(record: Record<string, string | number | boolean>): string {
  const entries = Object.entries(record);
  if (entries.length === 0) return '';
  return `<dl>${entries.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function notes(c: ReportCheck): string {
  const out: string[] = [];
  if (c.status === 'Not Run') out.push(escapeHtml(c.reason ?? ''));
  if (c.status === 'Action Required') {
    // The failure message's own lines, less the measured values and thresholds already in their columns.
    const lines = (c.failure ?? '').split('\n').filter((l) => !/^(Measured|Threshold): /.test(l));
    out.push(`<p class="failure">${escapeHtml(lines[0])}</p>`);
    if (c.diagnosis) out.push(`<p><b>Likely cause:</b> ${escapeHtml(c.diagnosis.cause)}</p><p><b>Next:</b> ${escapeHtml(c.diagnosis.hint)}</p>`);
    else out.push(...lines.slice(1).map((l) => `<p>${escapeHtml(l)}</p>`));
  }
  for (const w of c.warnings) out.push(`<p class="warning">⚠ ${escapeHtml(w)}</p>`);
  return out.join('');
}

function figure(chart: Chart): string {
  return `<figure class="chart" data-chart="${escapeHtml(chart.id)}" data-points="${chart.points}"><h3>${escapeHtml(chart.title)}</h3>${chart.svg}<figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`;
}

const CSS = `
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:0;color:#1c1c1c;background:#f6f7f9;font-size:14px}
main{max-width:1240px;margin:0 auto;padding:16px 24px 48px}
header.verdict{padding:16px 24px;color:#fff}
header.verdict.pass{background:#2e7d32}header.verdict.fail{background:#c62828}
header.verdict h1{margin:0 0 4px;font-size:24px}header.verdict p{margin:0;opacity:.95}
section{background:#fff;border:1px solid #e2e4e8;border-radius:6px;margin:16px 0;padding:12px 16px}
h2{font-size:18px;margin:4px 0 12px}h3{font-size:14px;margin:0 0 6px}
table{border-collapse:collapse;width:100%}th,td{border-top:1px solid #e2e4e8;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#fafbfc;font-weight:600}
.status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;white-space:nowrap;color:#fff}
.status.pass{background:#2e7d32}.status.fail{background:#c62828}.status.skip{background:#757575}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure.chart{margin:0;flex:1 1 560px;max-width:600px}figure.chart svg{max-width:100%;height:auto}
figcaption{color:#555;font-size:12px}
dl{margin:0;display:grid;grid-template-columns:max-content 1fr;gap:0 8px;font-size:12px}dt{color:#555}dd{margin:0;word-break:break-word}
.failure{color:#b71c1c;margin:0 0 4px}.warning{color:#e65100;margin:0}p.note{color:#555}
ul.findings li{margin:2px 0}
.status.warn{background:#e65100}.status.note{background:#1565c0}
figure.topology{margin:0 0 12px;overflow-x:auto}figure.topology svg{display:block}
`;

/** Charts by id, and a renderer of a chart group (the ids that exist, in order). */
interface PageCharts {
  readonly byId: ReadonlyMap<string, Chart>;
  readonly section: (ids: readonly string[]) => string;
}

/** The page head and the verdict header: profile, endpoint, counts and what needs action. */
function headerSection(r: ReadinessReport): string[] {
  const pass = r.verdict === 'pass';
  const failing = r.checks.filter((c) => c.status === 'Action Required').map((c) => c.name);
  return [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
    `<title>Eventstream readiness: ${pass ? 'PASS' : 'ACTION REQUIRED'}</title><style>${CSS}</style></head><body>`,
    `<header class="verdict ${pass ? 'pass' : 'fail'}" data-verdict="${r.verdict}"><h1>Eventstream readiness: ${pass ? 'PASS' : 'ACTION REQUIRED'}</h1>`,
    `<p>Profile <b>${escapeHtml(r.profile)}</b> · endpoint <code>${escapeHtml(r.endpoint.bootstrap)}</code> · user <code>${escapeHtml(r.endpoint.username)}</code>` +
      `${r.endpoint.keyName ? ` · key <code>${escapeHtml(r.endpoint.keyName)}</code>` : ''} · topics <code>${escapeHtml(r.endpoint.topics.telemetry)}</code>, <code>${escapeHtml(r.endpoint.topics.orders)}</code> · ${escapeHtml(r.generatedAt)}</p>`,
    `<p>${r.summary.passed} passed, ${r.summary.actionRequired} need action, ${r.summary.notRun} not run.${failing.length ? ` Needs action: ${escapeHtml(failing.join('; '))}.` : ''}</p></header><main>`,
  ];
}

function readinessSection(r: ReadinessReport): string[] {
  if (r.readiness.length === 0) return [];
  return [
    '<section id="readiness"><h2>Readiness</h2><table><tr><th>Row</th><th>Status</th><th>Evidence</th><th>Meaning</th></tr>',
    ...r.readiness.map(
      (row) =>
        `<tr data-row="${escapeHtml(row.name)}"><td>${escapeHtml(row.name)}</td><td>${status(row.status)}</td><td>${escapeHtml(row.evidence)}</td><td>${escapeHtml(row.meaning)}</td></tr>`,
    ),
    '</table></section>',
  ];
}

/** The merged capacity result, then this run's charts (a merge job's own report holds only the capacity result). */
function runSections(r: ReadinessReport, charts: PageCharts): string[] {
  const out: string[] = [];
  if (r.capacity) out.push(capacitySection(r.capacity, charts.section(['capacity-acks', 'capacity-latency'])));
  const checksRan = r.checks.some((c) => c.id !== CHECK_ID.capacityTarget);
  if (checksRan) out.push(...thisRun(r, charts.byId, charts.section));
  return out;
}

function trendSection(r: ReadinessReport, charts: PageCharts): string[] {
  const t = r.trend;
  if (!t)
    return [
      '<section id="trend"><h2>Trend</h2>',
      '<p class="note">No history: set READINESS_HISTORY_DIR to a folder of earlier readiness.json files to see trends.</p>',
      '</section>',
    ];
  const warnings = trendWarnings(t);
  return [
    '<section id="trend"><h2>Trend</h2>',
    `<p>${escapeHtml(t.note)}.</p>`,
    warnings.length
      ? `<ul class="findings" data-trend-findings="${warnings.length}">${warnings.map((w) => `<li class="${t.policy === 'fail' ? 'failure' : 'warning'}">${t.policy === 'fail' ? '✖' : '⚠'} ${escapeHtml(w)}</li>`).join('')}</ul>`
      : `<p data-trend-findings="0">No metric got worse in each of the last ${t.minRuns} runs beyond ${t.tolerancePct}% in total.</p>`,
    `<div class="charts">${charts.section(['trend-verdict', 'trend-connect', 'trend-cert', 'trend-throughput', 'trend-latency', 'trend-throttle'])}</div>`,
    '</section>',
  ];
}

function checksSection(r: ReadinessReport): string[] {
  return [
    '<section id="checks"><h2>Checks</h2><table><tr><th>Check</th><th>Status</th><th>Measured</th><th>Threshold</th><th>Notes</th></tr>',
    ...r.checks.map(
      (c) =>
        `<tr data-check="${escapeHtml(c.id)}"><td>${escapeHtml(c.name)}</td><td>${status(c.status)}</td><td>${values(c.measured)}</td><td>${values(c.thresholds)}</td><td>${notes(c)}</td></tr>`,
    ),
    '</table></section>',
  ];
}

/** What the gate holds against this run: checks that regressed, and checks (or metrics) that passed before and are gone now. */
function baselineVerdict(cmp: NonNullable<ReadinessReport['comparison']>): string {
  const missing = (cmp.notCompared ?? []).filter((n) => n.fails).map((n) => (n.metric ? `${n.checkId} ${n.metric}` : n.checkId));
  const parts = [
    ...(cmp.newlyFailing.length ? [`<b class="failure">Regressed: ${escapeHtml(cmp.newlyFailing.join(', '))}</b>`] : []),
    ...(missing.length ? [`<b class="failure">Passed before and missing now: ${escapeHtml(missing.join(', '))}</b>`] : []),
  ];
  return parts.length ? parts.join(' ') : 'No check that passed before fails now, and none is missing.';
}

function baselineSection(r: ReadinessReport): string[] {
  const cmp = r.comparison;
  if (!cmp) return ['<section id="baseline"><h2>Compared with the previous run</h2>', `<p class="note">${escapeHtml(r.baseline.note)}</p>`, '</section>'];
  const out = [
    '<section id="baseline"><h2>Compared with the previous run</h2>',
    `<p>Baseline <code>${escapeHtml(cmp.baselineFile)}</code> from ${escapeHtml(cmp.baselineGeneratedAt)}. ${baselineVerdict(cmp)}</p>`,
  ];
  if (cmp.metrics.length) {
    out.push('<table><tr><th>Check</th><th>Metric</th><th>Baseline</th><th>Now</th><th>Change</th><th>Tolerance</th><th>Verdict</th></tr>');
    for (const m of cmp.metrics) {
      out.push(
        `<tr><td>${escapeHtml(m.checkId)}</td><td>${escapeHtml(m.metric)}</td><td>${m.baseline}</td><td>${m.now}</td><td>${m.changePct > 0 ? '+' : ''}${m.changePct}%</td><td>${m.tolerancePct}%</td><td>${m.regressed ? status('Action Required') : status('Pass')}</td></tr>`,
      );
    }
    out.push('</table>');
  }
  out.push('</section>');
  return out;
}

function assessmentSection(r: ReadinessReport): string[] {
  return [
    `<section id="assessment"><h2>Is Eventstream enough?</h2><p>${escapeHtml(r.assessment ? `${r.assessment.verdictText} (${r.assessment.for} for, ${r.assessment.against} against)` : r.assessmentNote)}</p></section>`,
  ];
}

/** The page's sections in order, each a named step. */
const PAGE_SECTIONS: ReadonlyArray<(r: ReadinessReport, charts: PageCharts) => string[]> = [
  headerSection,
  readinessSection,
  (r) => topologySection(r.controlPlane),
  runSections,
  trendSection,
  checksSection,
  baselineSection,
  assessmentSection,
];

/** The whole page: verdict, readiness rows, the topology, charts of this run, trends, then every check. */
export async function renderHtml(r: ReadinessReport): Promise<string> {
  const built = await buildCharts(r);
  const byId = new Map(built.map((c) => [c.id, c]));
  const section = (ids: readonly string[]) => ids.flatMap((id) => (byId.has(id) ? [figure(byId.get(id) as Chart)] : [])).join('');
  const out = PAGE_SECTIONS.flatMap((render) => render(r, { byId, section }));
  out.push('</main></body></html>\n');
  return out.join('\n');
}

/** The merged capacity shards: verdict and reasons, the two windows, charts, and one row per shard. */
function capacitySection(c: CapacityReport, charts: string): string {
  const pass = c.verdict === 'pass';
  const out = [
    `<section id="capacity" data-capacity-verdict="${c.verdict}"><h2>Capacity: ${pass ? (c.target.source === 'none' ? 'every shard present (no target to judge)' : 'target reached') : 'ACTION REQUIRED'}</h2>`,
  ];
  out.push(`<p>${c.shardsMerged.length} of ${c.shardsExpected} shard(s) merged. ${escapeHtml(c.levelNeeded.note)}.</p>`);
  const items = [
    ...c.reasons.map((x) => `<li class="failure">✖ ${escapeHtml(x)}</li>`),
    ...c.warnings.map((x) => `<li class="warning">⚠ ${escapeHtml(x)}</li>`),
  ];
  if (items.length) out.push(`<ul class="findings">${items.join('')}</ul>`);
  out.push('<table><tr><th>Window</th><th>Seconds</th><th>Events</th><th>Events/s</th><th>MB/s</th></tr>');
  for (const [name, t] of [
    ['All shards sending', c.allSending],
    ['Whole span', c.span],
  ] as const) {
    out.push(
      t
        ? `<tr><td>${name} (${escapeHtml(t.startedAt)} to ${escapeHtml(t.endedAt)})</td><td>${t.seconds}</td><td>${t.acknowledged}</td><td>${t.eventsPerSec}</td><td>${t.mbPerSec}</td></tr>`
        : `<tr><td>${name}</td><td colspan="4">n/a</td></tr>`,
    );
  }
  out.push('</table>');
  out.push(`<div class="charts">${charts}</div>`);
  out.push(
    '<table><tr><th>Shard</th><th>Host</th><th>Acknowledged</th><th>Failed</th><th>Events/s</th><th>MB/s</th><th>Ack p50/p99 ms</th><th>Verdict</th></tr>',
  );
  const na = (x: number | null) => (x === null ? 'n/a' : String(x));
  for (const s of c.shards) {
    out.push(
      `<tr data-shard="${escapeHtml(s.shard)}"><td>${escapeHtml(s.shard)}</td><td>${escapeHtml(s.host)}</td><td>${s.acknowledged}</td><td>${s.failed}</td><td>${s.eventsPerSec}</td><td>${s.mbPerSec}</td><td>${na(s.ackP50Ms)} / ${na(s.ackP99Ms)}</td><td>${status(s.verdict === 'pass' ? 'Pass' : 'Action Required')}</td></tr>`,
    );
  }
  for (const p of c.problems.filter((x) => x.kind === 'missing'))
    out.push(`<tr data-shard="${escapeHtml(p.shard)}"><td>${escapeHtml(p.shard)}</td><td colspan="6">missing</td><td>${status('Action Required')}</td></tr>`);
  out.push('</table></section>');
  return out.join('\n');
}

/** Charts of this run of the checks (connectivity, burst, round trip), each with a note when it has nothing to draw. */
function thisRun(r: ReadinessReport, byId: ReadonlyMap<string, Chart>, section: (ids: readonly string[]) => string): string[] {
  const out: string[] = [];
  out.push('<section id="this-run"><h2>This run</h2><div class="charts">');
  out.push(section(['waterfall', 'burst-acks', 'burst-latency', 'e2e-latency']));
  out.push('</div>');
  if (!byId.has('waterfall')) out.push(`<p class="note">No connectivity timings: the preflight did not run.</p>`);
  const burst = r.checks.find((c) => c.id === CHECK_ID.burstMaxRate);
  if (!byId.has('burst-acks')) out.push(`<p class="note">No burst chart: ${escapeHtml(burst?.reason ?? 'the max-rate burst recorded no samples')}.</p>`);
  if (!byId.has('e2e-latency')) {
    const rt = r.checks.find((c) => c.id === CHECK_ID.roundTrip);
    out.push(`<p class="note">No end-to-end chart: ${escapeHtml(rt?.reason ?? 'the round trip recorded no samples')}.</p>`);
  }
  out.push('</section>');
  return out;
}

const VERDICT_CLASS: Readonly<Record<NodeVerdict, string>> = { pass: 'pass', fail: 'fail', action: 'fail', warn: 'warn', note: 'note' };

/**
 * The eventstream's graph, laid out when the report is written (an inline SVG, no script), then each source's and
 * destination's status and Fabric's error. Without a topology, one line saying why; nothing without a control-plane result.
 */
function topologySection(cp: ControlPlaneResult | undefined): string[] {
  if (!cp) return [];
  const open = '<section id="topology"><h2>Eventstream topology</h2>';
  const view = cp.topology;
  if (!view) {
    const state = cp.configured ? 'no-topology' : 'not-configured';
    return [`${open}<p class="note" data-control-plane="${state}">Not read: ${escapeHtml(whyNoTopology(cp))}.</p></section>`];
  }
  const out = [open, `<p>${escapeHtml(topologySummary(view))}</p>`, `<figure class="topology">${topologySvg(view)}</figure>`];
  out.push(`<p class="note">${escapeHtml(topologyLegend('glyph'))}</p>`);
  out.push('<table><tr><th>Node</th><th>Kind</th><th>Type</th><th>Status</th><th>Fed by</th><th>Fabric error</th></tr>');
  for (const row of topologyRows(view, { marks: 'glyph' })) {
    const cls = row.verdict ? VERDICT_CLASS[row.verdict] : 'skip';
    out.push(
      `<tr data-node="${escapeHtml(row.name)}"><td>${escapeHtml(row.name)}</td><td>${row.kind}</td><td>${escapeHtml(row.type)}</td><td><span class="status ${cls}">${escapeHtml(row.status)}</span></td><td>${escapeHtml(row.fedBy.join(', '))}</td><td class="failure">${escapeHtml(row.error)}</td></tr>`,
    );
  }
  out.push('</table></section>');
  return out;
}
