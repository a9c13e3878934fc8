// Judges what Fabric says about an eventstream's nodes (status table) and where test events go (graph walk): pure.
import { CUSTOM_ENDPOINT_TYPE, STATUS_MEANING, statusRule, type StatusRule } from '../facts/fabric-api.js';
import { quoteNodeError, type NodeKind, type NodeVerdict, type TopologyNode, type TopologyView } from '../record/control-plane.js';

export interface StatusPolicy {
  /** READINESS_CONTROL_PLANE_WARNING: a node in Warning warns (default) or fails. */
  readonly warning: 'warn' | 'fail';
}

/** A node's verdict from its status: the table in support/facts/fabric-api.ts, with Warning by policy. */
export function nodeVerdict(node: Pick<TopologyNode, 'kind' | 'status'>, policy: StatusPolicy): NodeVerdict | undefined {
  if (node.kind === 'stream' || node.kind === 'operator') return undefined;
  const rule = statusRule(node.status);
  if (rule === 'warn') return policy.warning === 'fail' ? 'fail' : 'warn';
  // A node still changing state after the settle deadline has not come up: events do not flow through it yet.
  if (rule === 'poll') return 'fail';
  return rule;
}

/** True while a source or destination is Creating, Updating or Resuming: worth asking again before judging. */
export function isSettling(view: TopologyView): boolean {
  return view.nodes.some((n) => (n.kind === 'source' || n.kind === 'destination') && statusRule(n.status) === 'poll');
}

/** The view with each source and destination marked by its verdict. */
export function judgedView(view: TopologyView, policy: StatusPolicy): TopologyView {
  return { ...view, nodes: view.nodes.map((n) => ({ ...n, verdict: nodeVerdict(n, policy) })) };
}

/** One line for a node: name (type): status, what it means, and Fabric's error when there is one. */
export function describeNode(node: TopologyNode, feeds?: readonly string[]): string {
  const rule: StatusRule = statusRule(node.status);
  const error = quoteNodeError(node.error);
  const from = feeds && feeds.length ? `, fed by ${feeds.join(', ')}` : '';
  const status = node.status ?? '(no status)';
  const meaning = rule === 'pass' ? '' : ` (${rule === 'action' ? `${STATUS_MEANING.action}: ${JSON.stringify(status)}` : STATUS_MEANING[rule]})`;
  return `${node.name} (${node.type}${from}): ${status}${meaning}${error ? ` - ${error}` : ''}`;
}

export interface KindJudgement {
  readonly failed: readonly TopologyNode[];
  readonly warned: readonly TopologyNode[];
  readonly notes: readonly TopologyNode[];
  readonly nodes: readonly TopologyNode[];
}

/** The sources or the destinations of a judged view, sorted by what needs a person first. */
export function judgeKind(view: TopologyView, kind: Extract<NodeKind, 'source' | 'destination'>): KindJudgement {
  const nodes = view.nodes.filter((n) => n.kind === kind);
  return {
    nodes,
    failed: nodes.filter((n) => n.verdict === 'fail' || n.verdict === 'action'),
    warned: nodes.filter((n) => n.verdict === 'warn'),
    notes: nodes.filter((n) => n.verdict === 'note'),
  };
}

/** Names of the nodes that feed `node` directly. */
export function feedersOf(view: TopologyView, node: TopologyNode): string[] {
  const byId = new Map(view.nodes.map((n) => [n.id, n]));
  return node.inputs.map((id) => byId.get(id)?.name ?? id);
}

export interface DestinationExposure {
  readonly destination: TopologyNode;
  /** A path from the source reaches it without passing a Filter that drops readinessTest events. */
  readonly unprotected: boolean;
  /** The source reaches it at all. */
  readonly reached: boolean;
  /** The filters it passes on every path (names), when protected. */
  readonly filters: readonly string[];
}

/**
 * Walks the graph from the custom endpoint source through streams and operators to each destination: a destination
 * is protected when every path to it passes a Filter that drops events carrying the readinessTest field.
 */
export function whereTestEventsGo(view: TopologyView, sourceId: string): DestinationExposure[] {
  const children = new Map<string, TopologyNode[]>();
  for (const n of view.nodes) for (const input of n.inputs) children.set(input, [...(children.get(input) ?? []), n]);
  // State: (node, passed a dropping filter yet). Reached-unfiltered wins over reached-filtered.
  const reachedOpen = new Set<string>();
  const reachedFiltered = new Map<string, Set<string>>();
  const queue: Array<{ id: string; filters: readonly string[] }> = [{ id: sourceId, filters: [] }];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { id, filters } = queue.shift() as { id: string; filters: readonly string[] };
    const key = `${id}|${filters.length > 0 ? 'f' : 'o'}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const child of children.get(id) ?? []) {
      const next = child.kind === 'operator' && child.dropsTestEvents ? [...filters, child.name] : filters;
      if (child.kind === 'destination') {
        if (next.length === 0) reachedOpen.add(child.id);
        else reachedFiltered.set(child.id, new Set([...(reachedFiltered.get(child.id) ?? []), ...next]));
      }
      queue.push({ id: child.id, filters: next });
    }
  }
  return view.nodes
    .filter((n) => n.kind === 'destination')
    .map((destination) => ({
      destination,
      reached: reachedOpen.has(destination.id) || reachedFiltered.has(destination.id),
      unprotected: reachedOpen.has(destination.id),
      filters: [...(reachedFiltered.get(destination.id) ?? [])],
    }));
}

/** A custom endpoint destination is where the round trip reads test events back: it must receive them. */
export function isCustomEndpoint(node: Pick<TopologyNode, 'type'>): boolean {
  return node.type === CUSTOM_ENDPOINT_TYPE;
}
