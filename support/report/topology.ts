// Draws the eventstream's topology for the reports: a Mermaid flowchart for Markdown, an inline SVG laid out by dagre for HTML.
import dagre from '@dagrejs/dagre';
import { quoteNodeError, type ControlPlaneResult, type NodeKind, type NodeVerdict, type TopologyNode, type TopologyView } from '../record/control-plane.js';

/**
 * The text mark of each verdict (and of an input the topology does not list), so the drawing reads without colour.
 * `emoji` for Markdown (GitHub draws colour emoji); `glyph` for the HTML page, from the plain symbols its fonts
 * (DejaVu Sans, Helvetica, Arial) carry, as its other marks (✖, ⚠) are: a machine without an emoji font shows them too.
 */
export type MarkStyle = 'emoji' | 'glyph';
type Marked = NodeVerdict | 'missing';
export const MARKS: Readonly<Record<MarkStyle, Readonly<Record<Marked, string>>>> = {
  emoji: { pass: '✅', fail: '❌', warn: '⚠️', action: '❓', note: 'ℹ️', missing: '❔' },
  glyph: { pass: '✔', fail: '✖', warn: '⚠', action: '?', note: 'ℹ', missing: '◌' },
};

/** What the marks mean, printed under the drawing. */
export function topologyLegend(style: MarkStyle): string {
  const m = MARKS[style];
  return (
    `${m.pass} Running · ${m.fail} events do not flow (Failed, Paused, not settled) · ${m.warn} Fabric warns · ` +
    `${m.action} a status this suite does not know · ${m.note} health lives in the destination item (External) · ` +
    `${m.missing} named as an input but not in the topology`
  );
}

/** A node as drawn: one of the view's, or a placeholder for an input the topology does not list. */
interface DrawnNode {
  /** A drawing id built from the kind and the position, never from Fabric's text: safe in Mermaid and SVG alike. */
  readonly key: string;
  readonly kind: NodeKind | 'missing';
  readonly name: string;
  readonly type: string;
  readonly status?: string;
  readonly verdict?: NodeVerdict;
  readonly error: string;
  readonly dropsTestEvents: boolean;
}

interface DrawnGraph {
  readonly nodes: readonly DrawnNode[];
  readonly edges: ReadonlyArray<{ readonly from: string; readonly to: string }>;
}

/** Sources on the left, destinations on the right: nodes are listed in the order data flows. */
const KIND_ORDER: readonly NodeKind[] = ['source', 'stream', 'operator', 'destination'];
const KEY_PREFIX: Readonly<Record<DrawnNode['kind'], string>> = { source: 'src', stream: 'str', operator: 'op', destination: 'dst', missing: 'ext' };

/** Fabric's error on a node, as one line (the same words the checks quote). */
export const nodeErrorText = quoteNodeError;

/** The view's nodes in flow order with drawing ids, placeholders for unknown inputs, and one edge per distinct input. */
function drawnGraph(view: TopologyView): DrawnGraph {
  const ordered = KIND_ORDER.flatMap((kind) => view.nodes.filter((n) => n.kind === kind));
  const nodes: DrawnNode[] = [];
  const keyOf = new Map<string, string>();
  const add = (kind: DrawnNode['kind'], n: Omit<DrawnNode, 'key' | 'kind'>, id: string): string => {
    const key = `${KEY_PREFIX[kind]}${nodes.length}`;
    nodes.push({ key, kind, ...n });
    if (!keyOf.has(id)) keyOf.set(id, key);
    return key;
  };
  const keys = ordered.map((n) => add(n.kind, fromView(n), n.id));
  const edges: Array<{ from: string; to: string }> = [];
  const seen = new Set<string>();
  for (const [i, n] of ordered.entries()) {
    const to = keys[i] as string;
    for (const input of n.inputs) {
      const from = keyOf.get(input) ?? add('missing', { name: input, type: 'not in the topology', error: '', dropsTestEvents: false }, input);
      if (seen.has(`${from}>${to}`)) continue;
      seen.add(`${from}>${to}`);
      edges.push({ from, to });
    }
  }
  return { nodes, edges };
}

function fromView(n: TopologyNode): Omit<DrawnNode, 'key' | 'kind'> {
  return { name: n.name, type: n.type, status: n.status, verdict: n.verdict, error: nodeErrorText(n.error), dropsTestEvents: n.dropsTestEvents === true };
}

function markOf(n: DrawnNode, style: MarkStyle): string {
  if (n.kind === 'missing') return MARKS[style].missing;
  return n.verdict ? MARKS[style][n.verdict] : '';
}

/** The colour class of a node: its verdict, or plain for streams and operators (Fabric gives them no status). */
function classOf(n: DrawnNode): NodeVerdict | 'plain' | 'missing' {
  if (n.kind === 'missing') return 'missing';
  return n.verdict ?? 'plain';
}

/** Fabric's names are free text: one line, no control characters, at most `max` characters. */
function oneLine(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, ' ').trim();
  const chars = [...flat];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
}

/** The lines of a node's label: mark and name, type and status, and a Filter's effect on test events. */
function labelLines(n: DrawnNode, options: { readonly max: number; readonly marks: MarkStyle }): string[] {
  const { max } = options;
  const mark = markOf(n, options.marks);
  const lines = [`${mark ? `${mark} ` : ''}${oneLine(n.name, max)}`, oneLine(n.status ? `${n.type} · ${n.status}` : n.type, max)];
  if (n.dropsTestEvents) lines.push('drops readinessTest events');
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// Mermaid (Markdown): GitHub renders a ```mermaid block in readiness.md and in the job summary.

const MERMAID_LABEL_MAX = 48;

/** Mermaid's shape of each kind: stadium source, subroutine stream, hexagon operator, cylinder destination. */
const MERMAID_SHAPE: Readonly<Record<DrawnNode['kind'], readonly [string, string]>> = {
  source: ['(["', '"])'],
  stream: ['[["', '"]]'],
  operator: ['{{"', '"}}'],
  destination: ['[("', '")]'],
  missing: ['["', '"]'],
};

const MERMAID_CLASSES: Readonly<Record<ReturnType<typeof classOf>, string>> = {
  pass: 'fill:#e8f5e9,stroke:#2e7d32,color:#1b5e20',
  fail: 'fill:#ffebee,stroke:#c62828,stroke-width:3px,color:#b71c1c',
  warn: 'fill:#fff3e0,stroke:#e65100,color:#bf360c',
  action: 'fill:#fce4ec,stroke:#ad1457,stroke-width:3px,color:#880e4f',
  note: 'fill:#e3f2fd,stroke:#1565c0,color:#0d47a1',
  plain: 'fill:#f5f5f5,stroke:#757575,color:#212121',
  missing: 'fill:#ffffff,stroke:#9e9e9e,stroke-dasharray:4 3,color:#616161',
};

/**
 * Text inside a quoted Mermaid label. Mermaid decodes `#<number>;` to a character, so everything beyond letters,
 * digits and a few plain punctuation marks is written that way: quotes, brackets, `<` (labels are HTML), `#`
 * (Mermaid's own escape), `:` and `;` (its style statements), backticks (Markdown strings, and the fence around the block).
 */
function mermaidText(text: string): string {
  return text.replace(/[^\p{L}\p{N} _.,+=@/-]/gu, (c) => `#${c.codePointAt(0)};`);
}

function mermaidNode(n: DrawnNode): string {
  const [open, close] = MERMAID_SHAPE[n.kind];
  return `  ${n.key}${open}${labelLines(n, { max: MERMAID_LABEL_MAX, marks: 'emoji' }).map(mermaidText).join('<br>')}${close}`;
}

/** A Mermaid flowchart (left to right) of the eventstream: one node per source, stream, operator and destination. */
export function topologyMermaid(view: TopologyView): string {
  const { nodes, edges } = drawnGraph(view);
  const lines = ['flowchart LR', ...nodes.map(mermaidNode), ...edges.map((e) => `  ${e.from} --> ${e.to}`)];
  for (const [cls, style] of Object.entries(MERMAID_CLASSES)) {
    const members = nodes.filter((n) => classOf(n) === cls).map((n) => n.key);
    if (members.length === 0) continue;
    lines.push(`  classDef ${cls} ${style}`, `  class ${members.join(',')} ${cls}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// SVG (HTML): laid out by dagre when the report is written; drawn here as plain shapes, text and paths (no script).

const SVG_LABEL_MAX = 42;
/** Width of one character of the 12px label font, near enough for DejaVu Sans, Helvetica and Arial. */
const CHAR_PX = 7;
const LINE_PX = 16;
const FONT = 'DejaVu Sans,Helvetica,Arial,sans-serif';
const ARROW_ID = 'eventstream-topology-arrow';

const SVG_COLOURS: Readonly<Record<ReturnType<typeof classOf>, { fill: string; stroke: string; width: number; dash?: string }>> = {
  pass: { fill: '#e8f5e9', stroke: '#2e7d32', width: 1.5 },
  fail: { fill: '#ffebee', stroke: '#c62828', width: 3 },
  warn: { fill: '#fff3e0', stroke: '#e65100', width: 2 },
  action: { fill: '#fce4ec', stroke: '#ad1457', width: 3 },
  note: { fill: '#e3f2fd', stroke: '#1565c0', width: 1.5 },
  plain: { fill: '#f5f5f5', stroke: '#757575', width: 1 },
  missing: { fill: '#ffffff', stroke: '#9e9e9e', width: 1, dash: '4 3' },
};

/** Text for XML: no character XML 1.0 forbids (they would make the page unparseable), the five specials escaped. */
export function xmlText(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- control characters are what this removes
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
      .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)
  );
}

const px = (n: number) => String(Math.round(n * 10) / 10);

interface Placed {
  readonly node: DrawnNode;
  readonly lines: readonly string[];
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

interface Point {
  readonly x: number;
  readonly y: number;
}

interface Route {
  readonly from: string;
  readonly to: string;
  readonly points: readonly Point[];
}

/** What dagre reads (width, height) and writes (x, y) on a node, and writes (points) on an edge. */
interface NodeBox {
  width: number;
  height: number;
  x?: number;
  y?: number;
}
interface EdgeRoute {
  points?: Point[];
}

/** Runs dagre over the graph: each node sized by its label; returns the placed nodes, edge routes and the canvas size. */
function layout(graph: DrawnGraph): { placed: Placed[]; routes: Route[]; width: number; height: number } {
  const g = new dagre.graphlib.Graph<dagre.GraphLabel, NodeBox, EdgeRoute>();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 56, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const lines = new Map(graph.nodes.map((n) => [n.key, labelLines(n, { max: SVG_LABEL_MAX, marks: 'glyph' })]));
  for (const n of graph.nodes) {
    const text = lines.get(n.key) as string[];
    const longest = Math.max(...text.map((l) => [...l].length));
    g.setNode(n.key, { width: Math.min(330, Math.max(140, longest * CHAR_PX + 32)), height: 16 + text.length * LINE_PX });
  }
  for (const e of graph.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const placed = graph.nodes.map((node) => {
    const box = g.node(node.key);
    return { node, lines: lines.get(node.key) as string[], x: box.x ?? 0, y: box.y ?? 0, width: box.width, height: box.height };
  });
  const routes = graph.edges.map((e) => ({ ...e, points: g.edge(e.from, e.to).points ?? [] }));
  const size = g.graph();
  return { placed, routes, width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0) };
}

/** The node's outline: a pill for a source, rounded for a stream, a hexagon for an operator, square for a destination. */
function shape(p: Placed): string {
  const c = SVG_COLOURS[classOf(p.node)];
  const paint = `fill="${c.fill}" stroke="${c.stroke}" stroke-width="${c.width}"${c.dash ? ` stroke-dasharray="${c.dash}"` : ''}`;
  const [x0, y0, x1, y1] = [p.x - p.width / 2, p.y - p.height / 2, p.x + p.width / 2, p.y + p.height / 2];
  if (p.node.kind === 'operator') {
    const points = [
      [x0 + 12, y0],
      [x1 - 12, y0],
      [x1, p.y],
      [x1 - 12, y1],
      [x0 + 12, y1],
      [x0, p.y],
    ];
    return `<polygon points="${points.map(([x, y]) => `${px(x as number)},${px(y as number)}`).join(' ')}" ${paint}/>`;
  }
  const rx = p.node.kind === 'source' ? p.height / 2 : p.node.kind === 'stream' ? 8 : 0;
  return `<rect x="${px(x0)}" y="${px(y0)}" width="${px(p.width)}" height="${px(p.height)}" rx="${px(rx)}" ${paint}/>`;
}

/** The tooltip: the node's full name, kind, type and status, and Fabric's error when there is one. */
function tooltip(n: DrawnNode): string {
  if (n.kind === 'missing') return `${n.name}: named as an input, but not in the topology Fabric returned`;
  const status = n.status ? `: ${n.status}` : '';
  return `${n.name} (${n.kind}, ${n.type})${status}${n.error ? `\nFabric error: ${n.error}` : ''}${n.dropsTestEvents ? '\nDrops events carrying readinessTest' : ''}`;
}

function svgNode(p: Placed): string {
  const n = p.node;
  const top = p.y - ((p.lines.length - 1) * LINE_PX) / 2 + 4;
  const tspans = p.lines
    .map((l, i) => `<tspan x="${px(p.x)}" y="${px(top + i * LINE_PX)}"${i === 0 ? ' font-weight="bold"' : ''}>${xmlText(l)}</tspan>`)
    .join('');
  return (
    `<g class="topology-node" data-node-kind="${n.kind}" data-verdict="${classOf(n)}"><title>${xmlText(tooltip(n))}</title>` +
    `${shape(p)}<text text-anchor="middle" fill="#1c1c1c">${tspans}</text></g>`
  );
}

function svgEdge(route: Route): string {
  const d = route.points.map((pt, i) => `${i === 0 ? 'M' : 'L'}${px(pt.x)},${px(pt.y)}`).join(' ');
  return `<path class="topology-edge" data-from="${route.from}" data-to="${route.to}" d="${d}" fill="none" stroke="#616161" stroke-width="1.2" marker-end="url(#${ARROW_ID})"/>`;
}

/** The eventstream as an inline SVG: dagre's layout, one group per node (shape, label, tooltip), one path per edge. */
export function topologySvg(view: TopologyView): string {
  const { placed, routes, width, height } = layout(drawnGraph(view));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" font-family="${FONT}" font-size="12">`,
    `<title>Eventstream topology: ${placed.length} nodes, ${routes.length} edges</title>`,
    `<defs><marker id="${ARROW_ID}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><polygon points="0,0 10,5 0,10" fill="#616161"/></marker></defs>`,
    `<g class="topology-edges">${routes.map(svgEdge).join('')}</g>`,
    `<g class="topology-nodes">${placed.map(svgNode).join('')}</g>`,
    '</svg>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// The table beside the drawing, shared by both renderers.

export interface TopologyRow {
  readonly name: string;
  readonly kind: NodeKind;
  readonly type: string;
  /** Mark and status, e.g. "❌ Failed"; "(no status)" when Fabric gave none. */
  readonly status: string;
  readonly verdict?: NodeVerdict;
  /** Names of the nodes that feed it. */
  readonly fedBy: readonly string[];
  readonly error: string;
}

/** One row per source and destination (the nodes Fabric gives a status), sources first; marks for Markdown or HTML. */
export function topologyRows(view: TopologyView, options: { readonly marks: MarkStyle }): TopologyRow[] {
  const nameOf = new Map(view.nodes.map((n) => [n.id, n.name]));
  return (['source', 'destination'] as const).flatMap((kind) =>
    view.nodes
      .filter((n) => n.kind === kind)
      .map((n) => ({
        name: n.name,
        kind,
        type: n.type,
        status: `${n.verdict ? `${MARKS[options.marks][n.verdict]} ` : ''}${n.status ?? '(no status)'}`,
        verdict: n.verdict,
        fedBy: n.inputs.map((id) => nameOf.get(id) ?? id),
        error: nodeErrorText(n.error),
      })),
  );
}

/** One sentence: how many nodes of each kind, the Filters that drop test events, and inputs the topology lacks. */
export function topologySummary(view: TopologyView): string {
  const count = (kind: NodeKind, word: string) => `${view.nodes.filter((n) => n.kind === kind).length} ${word}`;
  const parts = [
    [count('source', 'source(s)'), count('stream', 'stream(s)'), count('operator', 'operator(s)'), count('destination', 'destination(s)')].join(', '),
  ];
  if (view.compatibilityLevel) parts.push(`compatibility level ${view.compatibilityLevel}`);
  const filters = view.nodes.filter((n) => n.dropsTestEvents).map((n) => n.name);
  parts.push(filters.length ? `Filter(s) dropping readinessTest events: ${filters.join(', ')}` : 'no Filter drops readinessTest events');
  const missing = drawnGraph(view).nodes.filter((n) => n.kind === 'missing');
  if (missing.length) parts.push(`named as inputs but not in the topology: ${missing.map((n) => n.name).join(', ')}`);
  return `${parts.join('; ')}.`;
}

/** Why a report has no drawing: the control plane was not asked, or the first step that failed or did not run. */
export function whyNoTopology(cp: ControlPlaneResult): string {
  if (!cp.configured) return `the control plane was not asked (${cp.reason ?? 'not configured'})`;
  const stopped = cp.steps.find((s) => s.status === 'fail') ?? cp.steps.find((s) => s.status === 'not-run');
  return stopped ? stopped.message : 'Fabric returned no topology';
}
