import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, type TestContext } from 'vitest';
import { requireSpec, specAvailability } from '../../../support/dev/fabric-spec.js';
import type { ControlPlaneResult, NodeKind, NodeVerdict, TopologyNode, TopologyView } from '../../../support/record/control-plane.js';
import { renderHtml } from '../../../support/report/html.js';
import type { ReadinessReport } from '../../../support/report/model.js';
import { reportFixture } from '../../../support/dev/report-fixture.js';
import { renderMarkdown } from '../../../support/report/render.js';
import { MARKS, topologyMermaid, topologyRows, topologySvg } from '../../../support/report/topology.js';

// ---- Microsoft's own topology example, mapped to a view the way the client does (ids, or names where Fabric gives none).

/** The example's body, or a skip with the reason (a failure under CI=true: there the spec must be present). */
function exampleBody(ctx: TestContext): any {
  const availability = specAvailability();
  requireSpec(availability, (note) => ctx.skip(note));
  const file = join(availability.dir, 'eventstream', 'examples', 'GetEventstreamTopology.json');
  return JSON.parse(readFileSync(file, 'utf8')).responses['200'].body;
}

const KINDS: ReadonlyArray<[string, NodeKind]> = [
  ['sources', 'source'],
  ['streams', 'stream'],
  ['operators', 'operator'],
  ['destinations', 'destination'],
];
const EXAMPLE_VERDICT: Record<string, NodeVerdict> = { Running: 'pass', External: 'note' };

function viewFromExample(body: any): TopologyView {
  const raw = KINDS.flatMap(([key, kind]) => ((body[key] ?? []) as any[]).map((n) => ({ n, kind })));
  const idByName = new Map(raw.map(({ n }) => [n.name as string, (n.id ?? n.name) as string]));
  const nodes: TopologyNode[] = raw.map(({ n, kind }) => ({
    id: n.id ?? n.name,
    name: n.name,
    kind,
    type: n.type,
    status: n.status ?? undefined,
    error: n.error ?? undefined,
    inputs: ((n.inputNodes ?? []) as any[]).map((i) => i.id ?? idByName.get(i.name) ?? i.name),
    verdict: kind === 'source' || kind === 'destination' ? (EXAMPLE_VERDICT[n.status] ?? 'action') : undefined,
  }));
  return { nodes, compatibilityLevel: body.compatibilityLevel };
}

// ---- Hand-built views.

const node = (n: Partial<TopologyNode> & Pick<TopologyNode, 'id' | 'kind'>): TopologyNode => ({ name: n.id, type: 'T', inputs: [], ...n });

/** A custom endpoint through a dropping Filter to an Eventhouse that Fabric reports Failed, and straight to a Lakehouse. */
const FAILED_DESTINATION: TopologyView = {
  compatibilityLevel: '1.0',
  nodes: [
    node({ id: 's1', kind: 'source', name: 'readiness-endpoint', type: 'CustomEndpoint', status: 'Running', verdict: 'pass' }),
    node({ id: 'st', kind: 'stream', name: 'orders-stream', type: 'DefaultStream', inputs: ['s1'] }),
    node({ id: 'f', kind: 'operator', name: 'drop-tests', type: 'Filter', inputs: ['st'], dropsTestEvents: true }),
    node({
      id: 'eh',
      kind: 'destination',
      name: 'orders-eventhouse',
      type: 'Eventhouse',
      status: 'Failed',
      verdict: 'fail',
      inputs: ['f'],
      error: { errorCode: 'TableMappingNotFound', errorMessage: 'Mapping "orders_map" was deleted', errorDetails: ['table orders'] },
    }),
    node({ id: 'lh', kind: 'destination', name: 'orders-lake', type: 'Lakehouse', status: 'Warning', verdict: 'warn', inputs: ['st'] }),
  ],
};

const HOSTILE_NAMES = [
  'quote " and \' apostrophe',
  'brackets [x] (y) {z} |pipe|',
  '<script>alert(1)</script><img src=x onerror=alert(2)>',
  '#quot; #35; & &amp; entities',
  'end',
  'two\nlines\r\nand\ttab',
  '```fence``` and `tick`',
  'classDef evil fill:#f00;',
  'style n0 fill:#000; click n0 call alert()',
  '%%{init: {"theme":"dark"}}%% --> arrow',
  'nul\u0000 bell\u0007 lone\ud800 surrogate',
  '🚀 rocket ünïcödé 東京',
  'x'.repeat(200),
];

/** Every hostile name on a source feeding a destination; ids are hostile too. */
const HOSTILE: TopologyView = {
  nodes: HOSTILE_NAMES.flatMap((name, i) => [
    node({ id: `src "${i}" -->`, kind: 'source', name, type: `type ${name}`, status: `Running ${name}`, verdict: 'action' }),
    node({
      id: `dst ${i}`,
      kind: 'destination',
      name,
      type: 'Eventhouse',
      status: 'Failed',
      verdict: 'fail',
      inputs: [`src "${i}" -->`],
      error: { errorCode: name, errorMessage: name },
    }),
  ]),
};

// ---- Helpers that say what each check proves.

const MERMAID_NODE = /^ {2}(src|str|op|dst|ext)\d+(\(\["|\[\["|\{\{"|\[\("|\[")(.*)("\]\)|"\]\]|"\}\}|"\)\]|"\])$/;

/** The node lines of a flowchart, each label decoded the way Mermaid does (#<code point>; to the character). */
function mermaidLabels(mermaid: string): string[] {
  return mermaid
    .split('\n')
    .map((l) => MERMAID_NODE.exec(l)?.[3])
    .filter((l): l is string => l !== undefined)
    .map((label) => {
      // A label holds only letters, digits, plain punctuation, Mermaid's #n; escapes and the <br> between lines.
      expect(label.replace(/<br>/g, '').replace(/#\d+;/g, ''), `label ${label}`).toMatch(/^[\p{L}\p{N} _.,+=@/-]*$/u);
      return label.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));
    });
}

/**
 * A small XML well-formedness check: every tag closes in order, attributes are quoted and unique, text holds no raw
 * `<` or stray `&`, and no character XML 1.0 forbids. (Chromium's XML parser checks the same in the e2e test.)
 */
function expectWellFormedXml(xml: string): void {
  // eslint-disable-next-line no-control-regex -- forbidden characters are what this looks for
  expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  const open: string[] = [];
  const tokens = xml.split(/(<[^<>]*>)/);
  for (const token of tokens) {
    if (!token.startsWith('<')) {
      expect(token, 'raw < or > in text').not.toMatch(/[<>]/);
      expect(token.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, ''), 'stray & in text').not.toContain('&');
      continue;
    }
    const tag = /^<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>$/.exec(token);
    expect(tag, `malformed tag ${token}`).not.toBeNull();
    const [, closing, name, attrs, selfClosing] = tag as RegExpExecArray;
    const names = [...(attrs ?? '').matchAll(/([\w:.-]+)="/g)].map((m) => m[1]);
    expect(new Set(names).size, `duplicate attribute in ${token}`).toBe(names.length);
    if (closing) expect(open.pop(), `</${name}> closes the wrong element`).toBe(name);
    else if (!selfClosing) open.push(name as string);
  }
  expect(open, 'unclosed elements').toEqual([]);
}

/** No script, event handler, link or embedded document: only the SVG's own marker is referenced. */
function expectSelfContained(svg: string): void {
  const tags = svg.match(/<[^<>]*>/g) ?? [];
  expect(tags.filter((t) => /^<\/?(script|foreignObject|image|use|a|style)\b/i.test(t))).toEqual([]);
  expect(tags.filter((t) => /\s(on\w+|href|xlink:href|src)=/i.test(t))).toEqual([]);
  expect(tags.filter((t) => /url\((?!#eventstream-topology-arrow\))/.test(t))).toEqual([]);
}

const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;

function reportWith(controlPlane: ControlPlaneResult | undefined): ReadinessReport {
  return reportFixture({
    summary: { passed: 1, actionRequired: 1, notRun: 0 },
    readiness: [
      {
        name: 'EventstreamRunning',
        status: 'Action Required',
        meaning: 'every source and destination Running',
        evidence: 'orders-eventhouse | Failed\nsecond line',
      },
      { name: 'TestEventsFiltered', status: 'Pass', meaning: 'a Filter drops readinessTest events', evidence: 'every destination behind drop-tests' },
    ],
    baseline: { used: false, note: 'no baseline here' },
    ...(controlPlane ? { controlPlane } : {}),
  });
}

const configured = (topology?: TopologyView): ControlPlaneResult => ({ configured: true, steps: [], discovered: [], ...(topology ? { topology } : {}) });

// ---- Tests.

describe("Microsoft's topology example (GetEventstreamTopology.json)", () => {
  test('the Mermaid flowchart has one node per source, stream, operator and destination, one edge per input, and the two inputs it lacks', (ctx) => {
    const view = viewFromExample(exampleBody(ctx));
    expect(view.nodes).toHaveLength(48);
    const mermaid = topologyMermaid(view);
    expect(mermaid.split('\n')[0]).toBe('flowchart LR');
    const labels = mermaidLabels(mermaid);
    // 48 nodes, plus EventStreamName-stream and MyNode: operators and destinations name them, the topology does not list them.
    expect(labels).toHaveLength(50);
    for (const n of view.nodes) expect(labels.some((l) => l.includes(`${n.name}<br>${n.type}`))).toBe(true);
    expect(labels.filter((l) => l.startsWith('❔ '))).toEqual(['❔ EventStreamName-stream<br>not in the topology', '❔ MyNode<br>not in the topology']);
    const distinctInputs = view.nodes.reduce((sum, n) => sum + new Set(n.inputs).size, 0);
    expect(count(mermaid, /^ {2}\w+ --> \w+$/gm)).toBe(distinctInputs);
    expect(distinctInputs).toBe(17);
    // Shapes by kind, marks by verdict: the Eventhouse with direct ingestion is External (a note, not a pass).
    expect(mermaid).toMatch(/^ {2}src\d+\(\["#9989; CustomEndpointSource<br>CustomEndpoint #183; Running"\]\)$/m);
    expect(mermaid).toMatch(/^ {2}op\d+\{\{"FilterName<br>Filter"\}\}$/m);
    expect(mermaid).toMatch(/^ {2}dst\d+\[\("ℹ#65039; EventhouseDirectIngestionModeDestination<br>Eventhouse #183; External"\)\]$/m);
    expect(mermaid).toMatch(/^ {2}classDef note /m);
  });

  test('the SVG is well-formed XML with one node group per node and one path per edge, nothing external, the same every time', (ctx) => {
    const view = viewFromExample(exampleBody(ctx));
    const svg = topologySvg(view);
    expectWellFormedXml(svg);
    expectSelfContained(svg);
    expect(count(svg, /<g class="topology-node"/g)).toBe(50);
    expect(count(svg, /<path class="topology-edge"/g)).toBe(17);
    expect(count(svg, /<path /g), 'a path that is not an edge').toBe(17);
    for (const n of view.nodes) expect(svg).toContain(n.name.slice(0, 20));
    expect(svg).toMatch(/<svg [^>]*width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/);
    expect(topologySvg(structuredClone(view))).toBe(svg);
    expect(topologyMermaid(structuredClone(view))).toBe(topologyMermaid(view));
  });
});

describe('a Failed destination with an error', () => {
  test('Mermaid marks it ❌ in its label and in the fail class; the Filter says it drops readinessTest events', () => {
    const mermaid = topologyMermaid(FAILED_DESTINATION);
    const labels = mermaidLabels(mermaid);
    expect(labels).toContain('❌ orders-eventhouse<br>Eventhouse · Failed');
    expect(labels).toContain('⚠️ orders-lake<br>Lakehouse · Warning');
    expect(labels).toContain('drop-tests<br>Filter<br>drops readinessTest events');
    const failed = /^ {2}(dst\d+)\[\("#10060; orders-eventhouse/m.exec(mermaid)?.[1];
    expect(mermaid).toContain(`  class ${failed} fail`);
    expect(count(mermaid, / --> /g)).toBe(4);
  });

  test("the SVG marks the node ✖ with Fabric's error in its tooltip, and draws its edge", () => {
    const svg = topologySvg(FAILED_DESTINATION);
    expectWellFormedXml(svg);
    const group = /<g class="topology-node" data-node-kind="destination" data-verdict="fail">([\s\S]*?)<\/g>/.exec(svg)?.[1] ?? '';
    expect(group).toContain(
      '<title>orders-eventhouse (destination, Eventhouse): Failed\nFabric error: TableMappingNotFound: Mapping &quot;orders_map&quot; was deleted; detail table orders</title>',
    );
    expect(group).toMatch(/>✖ orders-eventhouse<\/tspan>/);
    expect(group).toMatch(/stroke="#c62828" stroke-width="3"/);
    expect(svg).toMatch(/data-node-kind="operator" data-verdict="plain"><title>[^<]*Drops events carrying readinessTest<\/title><polygon /);
    expect(count(svg, /<path class="topology-edge"/g)).toBe(4);
  });

  test('the table lists sources and destinations with status mark, feeders and the quoted error', () => {
    expect(topologyRows(FAILED_DESTINATION, { marks: 'emoji' })).toEqual([
      { name: 'readiness-endpoint', kind: 'source', type: 'CustomEndpoint', status: '✅ Running', verdict: 'pass', fedBy: [], error: '' },
      {
        name: 'orders-eventhouse',
        kind: 'destination',
        type: 'Eventhouse',
        status: '❌ Failed',
        verdict: 'fail',
        fedBy: ['drop-tests'],
        error: 'TableMappingNotFound: Mapping "orders_map" was deleted; detail table orders',
      },
      { name: 'orders-lake', kind: 'destination', type: 'Lakehouse', status: '⚠️ Warning', verdict: 'warn', fedBy: ['orders-stream'], error: '' },
    ]);
  });
});

describe('hostile names and ids', () => {
  test('Mermaid: every label is escaped (no quote, bracket, <, #, backtick, colon or line break left) and decodes back to the name', () => {
    const mermaid = topologyMermaid(HOSTILE);
    expect(mermaid).not.toContain('```');
    expect(mermaid.split('\n').filter((l) => l.startsWith('#'))).toEqual([]);
    const lines = mermaid.split('\n');
    // Line count: header, one per node, one per edge, a classDef and a class line per class used (action, fail).
    expect(lines).toHaveLength(1 + 2 * HOSTILE_NAMES.length + HOSTILE_NAMES.length + 4);
    const labels = mermaidLabels(mermaid);
    expect(labels).toHaveLength(2 * HOSTILE_NAMES.length);
    expect(labels).toContain(`${MARKS.emoji.fail} quote " and ' apostrophe<br>Eventhouse · Failed`);
    // Long names are cut at 48 characters in a label (the table and the tooltip carry them whole).
    expect(labels).toContain(`${MARKS.emoji.fail} ${(HOSTILE_NAMES[2] as string).slice(0, 47)}…<br>Eventhouse · Failed`);
    expect(labels).toContain(`${MARKS.emoji.fail} #quot; #35; & &amp; entities<br>Eventhouse · Failed`);
    expect(labels).toContain(`${MARKS.emoji.fail} two lines and tab<br>Eventhouse · Failed`);
    expect(labels.some((l) => l.startsWith(`${MARKS.emoji.fail} ${'x'.repeat(47)}…<br>`))).toBe(true);
    // Ids come from the kind and position, never from Fabric's text.
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {2}(\w+[([{]|\w+ --> \w+$|classDef \w+ |class [\w,]+ \w+$)/);
  });

  test('SVG: well-formed, no script or event handler, names escaped, one group per node', () => {
    const svg = topologySvg(HOSTILE);
    expectWellFormedXml(svg);
    expectSelfContained(svg);
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(count(svg, /<g class="topology-node"/g)).toBe(2 * HOSTILE_NAMES.length);
    expect(count(svg, /<path class="topology-edge"/g)).toBe(HOSTILE_NAMES.length);
    expect(svg).toContain('Fabric error: #quot; #35; &amp; &amp;amp; entities: #quot; #35; &amp; &amp;amp; entities');
  });

  test('Markdown and HTML reports: the names stay inside their table cells, no raw HTML, the mermaid fence intact', async () => {
    const report = reportWith(configured(HOSTILE));
    const md = renderMarkdown(report);
    expect(count(md, /^```mermaid$/gm)).toBe(1);
    expect(count(md, /^```$/gm)).toBe(1);
    expect(md).not.toContain('<script');
    const rows = md.split('\n').filter((l) => /^\| .* \| (source|destination) \|/.test(l));
    expect(rows).toHaveLength(2 * HOSTILE_NAMES.length);
    for (const row of rows) expect(count(row.replace(/\\\|/g, ''), /\|/g), row).toBe(7);
    const html = await renderHtml(report);
    expect(html).not.toMatch(/<script|<img/);
  });
});

describe('the reports', () => {
  test('with a topology: Markdown gets the section after the readiness rows, with the mermaid block and the status table', () => {
    const md = renderMarkdown(reportWith(configured(FAILED_DESTINATION)));
    expect(md.split('\n').filter((l) => l.startsWith('#'))).toEqual([
      '# Eventstream readiness: ❌ ACTION REQUIRED',
      '## Readiness',
      '## Eventstream topology',
      '## Checks',
      '## Compared with the previous run',
      '## Trend',
      '## Is Eventstream enough?',
    ]);
    expect(md).toContain(`\`\`\`mermaid\n${topologyMermaid(FAILED_DESTINATION)}\n\`\`\``);
    expect(md).toContain(
      '1 source(s), 1 stream(s), 1 operator(s), 2 destination(s); compatibility level 1.0; Filter(s) dropping readinessTest events: drop-tests.',
    );
    expect(md).toContain(
      '| orders-eventhouse | destination | Eventhouse | ❌ Failed | drop-tests | TableMappingNotFound: Mapping "orders_map" was deleted; detail table orders |',
    );
    // The new readiness rows go through the existing table: the pipe and line break stay inside the cell.
    expect(md).toContain('| EventstreamRunning | ❌ Action Required | orders-eventhouse \\| Failed<br>second line |');
    expect(md).toContain('| TestEventsFiltered | ✅ Pass |');
  });

  test('without a control-plane result nothing is added; not configured adds one line and no heading', () => {
    const headings = (md: string) => md.split('\n').filter((l) => l.startsWith('#'));
    const none = renderMarkdown(reportWith(undefined));
    expect(none).not.toMatch(/topology/i);
    const notAsked = renderMarkdown(
      reportWith({ configured: false, reason: 'FABRIC_WORKSPACE_ID and FABRIC_EVENTSTREAM_ID are not set', steps: [], discovered: [] }),
    );
    expect(headings(notAsked)).toEqual(headings(none));
    expect(notAsked).toContain('Eventstream topology not read: the control plane was not asked (FABRIC_WORKSPACE_ID and FABRIC_EVENTSTREAM_ID are not set).');
    expect(notAsked.split('\n').length).toBe(none.split('\n').length + 2);
  });

  test('configured, but stopped before the topology: one line naming the step that stopped it, in both reports', async () => {
    const step = { measured: {}, thresholds: {}, warnings: [], durationMs: 1 };
    const cp: ControlPlaneResult = {
      configured: true,
      discovered: [],
      steps: [
        { ...step, step: 'identity', status: 'pass', message: 'token from AzureCliCredential' },
        { ...step, step: 'eventstream', status: 'fail', message: 'ItemNotFound: no eventstream "orders" in workspace "prod"' },
        { ...step, step: 'sources', status: 'not-run', message: 'not run: the eventstream was not found' },
      ],
    };
    const md = renderMarkdown(reportWith(cp));
    expect(md).toContain('Eventstream topology not read: ItemNotFound: no eventstream "orders" in workspace "prod".');
    expect(md).not.toContain('## Eventstream topology');
    expect(await renderHtml(reportWith(cp))).toContain(
      'data-control-plane="no-topology">Not read: ItemNotFound: no eventstream &quot;orders&quot; in workspace &quot;prod&quot;.</p>',
    );
  });

  test('HTML: the SVG and the same table in a topology section after the readiness rows; not configured says why', async () => {
    const html = await renderHtml(reportWith(configured(FAILED_DESTINATION)));
    expect(html.indexOf('<section id="readiness">')).toBeLessThan(html.indexOf('<section id="topology">'));
    expect(html).toContain(topologySvg(FAILED_DESTINATION));
    expect(html).toMatch(
      /<tr data-node="orders-eventhouse">.*<span class="status fail">✖ Failed<\/span>.*TableMappingNotFound: Mapping &quot;orders_map&quot;/,
    );
    expect(html).toContain('<tr data-row="EventstreamRunning">');
    const notAsked = await renderHtml(reportWith({ configured: false, reason: 'not set', steps: [], discovered: [] }));
    expect(notAsked).toContain('data-control-plane="not-configured">Not read: the control plane was not asked (not set).');
    expect(await renderHtml(reportWith(undefined))).not.toContain('id="topology"');
  });
});
