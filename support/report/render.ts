// Renders the readiness report as Markdown for people (and GitHub's job summary).
import type { CapacityReport } from '../capacity/model.js';
import type { ControlPlaneResult } from '../record/control-plane.js';
import type { ReadinessReport, ReportCheck } from './model.js';
import { topologyLegend, topologyMermaid, topologyRows, topologySummary, whyNoTopology } from './topology.js';
import { sparkline, TREND_METRICS, trendWarnings, type TrendReport } from './trend.js';
import { percentChange } from '../core/change.js';

const ICON: Record<string, string> = { Pass: '✅ Pass', 'Action Required': '❌ Action Required', 'Not Run': '⏭️ Not Run' };

function cell(text: string | number | boolean | undefined): string {
  return String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

function kv(record: Record<string, string | number | boolean>, limit = 8): string {
  const entries = Object.entries(record);
  const shown = entries.slice(0, limit).map(([k, v]) => `${k}: ${v}`);
  if (entries.length > limit) shown.push(`(+${entries.length - limit} more in readiness.json)`);
  return shown.join('<br>');
}

function note(c: ReportCheck): string {
  if (c.status === 'Not Run') return c.reason ?? '';
  if (c.status === 'Action Required') {
    const d = c.diagnosis ? `<br>**Likely cause:** ${c.diagnosis.cause}<br>**Next:** ${c.diagnosis.hint}` : '';
    return `${(c.failure ?? '').split('\n')[0]}${d}`;
  }
  return c.warnings.length ? `⚠️ ${c.warnings.join('<br>⚠️ ')}` : '';
}

function headerLines(r: ReadinessReport): string[] {
  const out = [
    `# Eventstream readiness: ${r.verdict === 'pass' ? '✅ PASS' : '❌ ACTION REQUIRED'}`,
    '',
    `Profile **${r.profile}** · endpoint \`${r.endpoint.bootstrap}\` · user \`${r.endpoint.username}\`` +
      `${r.endpoint.keyName ? ` · key \`${r.endpoint.keyName}\`` : ''} · topics \`${r.endpoint.topics.telemetry}\`, \`${r.endpoint.topics.orders}\` · ${r.generatedAt}`,
    '',
    `${r.summary.passed} passed, ${r.summary.actionRequired} need action, ${r.summary.notRun} not run.`,
  ];
  if (r.load?.mode === 'light') {
    out.push('', `Light mode (READINESS_LOAD=light): smallest counts; left out: ${r.load.leftOut.map((e) => `\`${e.id}\` (${e.writes})`).join('; ')}.`);
  }
  return out;
}

function readinessLines(r: ReadinessReport): string[] {
  if (r.readiness.length === 0) return [];
  return [
    '',
    '## Readiness',
    '',
    '| Check | Status | Evidence | Meaning |',
    '|---|---|---|---|',
    ...r.readiness.map((row) => `| ${row.name} | ${ICON[row.status]} | ${cell(row.evidence)} | ${cell(row.meaning)} |`),
  ];
}

function checkLines(r: ReadinessReport): string[] {
  return [
    '',
    '## Checks',
    '',
    '| Check | Status | Measured | Threshold | Notes |',
    '|---|---|---|---|---|',
    ...r.checks.map((c) => `| ${cell(c.name)} | ${ICON[c.status]} | ${cell(kv(c.measured))} | ${cell(kv(c.thresholds))} | ${cell(note(c))} |`),
    ...(r.capacity ? ['', ...renderCapacity(r.capacity)] : []),
  ];
}

function baselineLines(r: ReadinessReport): string[] {
  const out = ['', '## Compared with the previous run', ''];
  const c = r.comparison;
  if (!c) return [...out, r.baseline.note];
  out.push(`Baseline: \`${c.baselineFile}\` from ${c.baselineGeneratedAt}.`, '');
  const missing = (c.notCompared ?? []).filter((n) => n.fails && n.missingFrom === 'now' && !n.metric).map((n) => n.checkId);
  if (c.newlyFailing.length) out.push(`❌ **Regressed** (passed before, fail now): ${c.newlyFailing.join(', ')}`);
  if (missing.length) out.push(`❌ **Missing now** (passed before): ${missing.join(', ')}`);
  if (!c.newlyFailing.length && !missing.length) out.push('✅ No check that passed before fails now.');
  if (c.recovered.length) out.push('', `Recovered: ${c.recovered.join(', ')}`);
  const gaps = (c.notCompared ?? []).filter((n) => n.missingFrom === 'now' || n.metric !== undefined);
  if (gaps.length) {
    out.push('', 'Not compared:', '');
    for (const n of gaps) out.push(`- ${n.fails ? '❌' : 'ℹ️'} \`${n.checkId}\`${n.metric ? ` ${n.metric}` : ''}: ${n.reason}`);
  }
  if (c.metrics.length) {
    out.push('', '| Check | Metric | Baseline | Now | Change | Tolerance | Verdict |', '|---|---|---|---|---|---|---|');
    for (const m of c.metrics) {
      const verdict = m.regressed ? (c.perfPolicy === 'fail' ? '❌ regressed' : '⚠️ regressed (warn only)') : '✅ within tolerance';
      out.push(`| ${m.checkId} | ${m.metric} | ${m.baseline} | ${m.now} | ${m.changePct > 0 ? '+' : ''}${m.changePct}% | ${m.tolerancePct}% | ${verdict} |`);
    }
  }
  return out;
}

function assessmentLines(r: ReadinessReport): string[] {
  const out = ['', '## Is Eventstream enough?', ''];
  const a = r.assessment;
  if (!a) return [...out, r.assessmentNote];
  out.push(`**${a.verdictText}** (${a.for} criteria for, ${a.against} against; from \`${a.file}\`). This section informs; it never fails the gate.`, '');
  out.push('| Criterion | Argues | Answer |', '|---|---|---|');
  for (const c of a.criteria)
    out.push(`| ${c.text} | ${c.supports ? 'for Eventstream' : 'against'} | ${c.answer === null ? '_unanswered_' : c.answer ? 'yes' : 'no'} |`);
  out.push('', '| Trade-off | Answer |', '|---|---|');
  for (const t of a.tradeoffs) out.push(`| ${cell(t.question)} | ${t.answer ? cell(t.answer) : '_unanswered_'} |`);
  if (a.unanswered.length) out.push('', `Still open: ${a.unanswered.length} question(s).`);
  return out;
}

/** The Markdown report's sections in order, each a named step. */
const MARKDOWN_SECTIONS: ReadonlyArray<(r: ReadinessReport) => string[]> = [
  headerLines,
  readinessLines,
  (r) => renderTopology(r.controlPlane),
  checkLines,
  baselineLines,
  (r) => ['', '## Trend', '', ...renderTrend(r.trend)],
  assessmentLines,
];

export function renderMarkdown(r: ReadinessReport): string {
  return [...MARKDOWN_SECTIONS.flatMap((section) => section(r)), ''].join('\n');
}

/** Fabric's free text in a table cell: no raw HTML (GitHub would render it), no pipe or line break to split the row. */
function plain(text: string): string {
  return cell(text.replace(/[&<>`]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '`': '&#96;' })[c] as string));
}

/**
 * The eventstream's graph as GitHub draws it (a Mermaid flowchart), with each source's and destination's status and
 * Fabric's error. Without a topology, one line saying why; nothing at all when the report has no control-plane result.
 */
export function renderTopology(cp: ControlPlaneResult | undefined): string[] {
  if (!cp) return [];
  const view = cp.topology;
  if (!view) return ['', `Eventstream topology not read: ${plain(whyNoTopology(cp))}.`];
  const out = ['', '## Eventstream topology', '', plain(topologySummary(view)), '', '```mermaid', topologyMermaid(view), '```', '', topologyLegend('emoji')];
  out.push('', '| Node | Kind | Type | Status | Fed by | Fabric error |', '|---|---|---|---|---|---|');
  for (const row of topologyRows(view, { marks: 'emoji' })) {
    out.push(`| ${plain(row.name)} | ${row.kind} | ${plain(row.type)} | ${plain(row.status)} | ${plain(row.fedBy.join(', '))} | ${plain(row.error)} |`);
  }
  return out;
}

/**
 * The trend as GitHub job summaries render it: Markdown tables and Unicode (emoji and block-character sparklines);
 * no scripts, images from data or SVG there, so the charts live in readiness.html.
 */
export function renderTrend(t: TrendReport | undefined): string[] {
  if (!t) return ['No history: set READINESS_HISTORY_DIR to a folder of earlier readiness.json files to see trends (charts in readiness.html).'];
  const out = [`${t.points.length} run(s), oldest first: ${t.points.map((p) => (p.verdict === 'pass' ? '✅' : '❌')).join('')} (${t.note}).`, ''];
  out.push('| Metric | Trend | First | Now | Change |', '|---|---|---|---|---|');
  for (const m of TREND_METRICS) {
    const series = t.points.map((p) => p.values[m.key]);
    const known = series.filter((v): v is number => v !== undefined);
    if (known.length === 0) continue;
    const first = known[0] as number;
    const now = series[series.length - 1];
    const change = now === undefined || first === 0 ? '' : `${now >= first ? '+' : ''}${percentChange(first, now)}%`;
    out.push(`| ${m.title} | \`${sparkline(series)}\` | ${first} | ${now ?? 'n/a'} | ${change} |`);
  }
  const warnings = trendWarnings(t);
  out.push('');
  if (warnings.length === 0) out.push(`✅ No metric got worse in each of the last ${t.minRuns} runs beyond ${t.tolerancePct}% in total.`);
  else for (const w of warnings) out.push(`${t.policy === 'fail' ? '❌' : '⚠️'} ${cell(w)}`);
  return out;
}

const na = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : String(x));

/** The merged capacity shards: the verdict and why, the aggregate, the level needed, and one row per shard. */
export function renderCapacity(c: CapacityReport): string[] {
  const passed = c.target.source === 'none' ? '✅ every shard present (no target to judge)' : '✅ target reached';
  const out = [`## Capacity: ${c.verdict === 'pass' ? passed : '❌ ACTION REQUIRED'}`, ''];
  const req = c.requested;
  out.push(
    `${c.shardsMerged.length} of ${c.shardsExpected} shard(s) merged · topic \`${c.topic}\`` +
      (req ? ` · asked for ${req.rate} for ${req.durationS} s, ${req.eventBytes}-byte events` : '') +
      ` · target ${c.target.eventsPerSec !== undefined ? `${c.target.eventsPerSec} events/s ` : ''}${c.target.mbPerSec !== undefined ? `${c.target.mbPerSec} MB/s ` : ''}${c.target.p99Ms !== undefined ? `p99 <= ${c.target.p99Ms} ms ` : ''}(${c.target.source})`,
  );
  out.push('');
  for (const reason of c.reasons) out.push(`- ❌ ${cell(reason)}`);
  for (const w of c.warnings) out.push(`- ⚠️ ${cell(w)}`);
  if (c.reasons.length || c.warnings.length) out.push('');
  out.push(`Throughput level: ${cell(c.levelNeeded.note)}.`, '');
  out.push('| Window | Seconds | Events | Events/s | MB/s |', '|---|---|---|---|---|');
  const row = (name: string, t: CapacityReport['span'] | null) =>
    t
      ? `| ${name} (${t.startedAt} to ${t.endedAt}) | ${t.seconds} | ${t.acknowledged} | ${t.eventsPerSec} | ${t.mbPerSec} |`
      : `| ${name} | n/a | n/a | n/a | n/a |`;
  out.push(row('All shards sending', c.allSending), row('Whole span', c.span));
  out.push(
    '',
    `Ack latency over all ${c.ackLatency.count} events (merged histograms): p50 ${na(c.ackLatency.p50)} ms, p95 ${na(c.ackLatency.p95)} ms, p99 ${na(c.ackLatency.p99)} ms, max ${na(c.ackLatency.max)} ms. ` +
      `Failed: ${c.totals.failed}${c.failures.length ? ` (${c.failures.map((f) => `${f.count} ${f.failureClass}`).join(', ')})` : ''}. Throttled: ${c.totals.throttleMs} ms.`,
  );
  out.push(
    '',
    '| Shard | Host | Window | Acknowledged | Failed | Events/s | MB/s | Ack p50/p99 ms | Throttle ms | Verdict |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const s of c.shards) {
    out.push(
      `| ${s.shard} | ${cell(s.host)} | ${s.startedAt} to ${s.endedAt} | ${s.acknowledged} | ${s.failed} | ${s.eventsPerSec} | ${s.mbPerSec} | ${na(s.ackP50Ms)} / ${na(s.ackP99Ms)} | ${s.throttleMs} | ${ICON[s.verdict === 'pass' ? 'Pass' : 'Action Required']} |`,
    );
  }
  for (const p of c.problems.filter((x) => x.kind === 'missing')) out.push(`| ${p.shard} | | missing | | | | | | | ❌ missing |`);
  return out;
}
