// What Fabric's control plane said about the eventstream (topology, statuses, connections), as the checks and the
// report read it: plain serializable data, handed from global setup to the checks and the reporter.
import type { Measured } from '../core/readable.js';
import { CHECK_ID, type CheckId } from './ids.js';

/** The control-plane checks in the order they are judged; each title is its JUnit test name (frozen). */
export const CONTROL_PLANE_STEPS = ['identity', 'eventstream', 'sources', 'destinations', 'custom-endpoint', 'test-events'] as const;
export type ControlPlaneStepName = (typeof CONTROL_PLANE_STEPS)[number];

export const CONTROL_PLANE_INFO: Readonly<Record<ControlPlaneStepName, { readonly title: string; readonly checkId: CheckId }>> = {
  identity: { title: 'Identity: a token for the Fabric REST API was obtained', checkId: CHECK_ID.cpIdentity },
  eventstream: { title: 'Eventstream found: the workspace and the eventstream resolve', checkId: CHECK_ID.cpEventstream },
  sources: { title: 'Sources: every source (connector) is Running', checkId: CHECK_ID.cpSources },
  destinations: { title: 'Destinations: every destination is Running', checkId: CHECK_ID.cpDestinations },
  'custom-endpoint': {
    title: "Custom endpoint: the run's custom endpoint source is this eventstream's, and Running",
    checkId: CHECK_ID.cpCustomEndpoint,
  },
  'test-events': {
    title: 'Test events: a Filter drops readinessTest events before every destination',
    checkId: CHECK_ID.cpTestEvents,
  },
};

export type NodeKind = 'source' | 'stream' | 'operator' | 'destination';

/** Fabric's node error, as the topology gives it (every part optional: Microsoft's examples carry nulls). */
export interface NodeError {
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** Strings in Microsoft's schema (ErrorInfo). */
  readonly errorDetails?: readonly string[];
}

/** How the suite judged one node's status (see the status table in support/facts/fabric-api.ts). */
export type NodeVerdict = 'pass' | 'fail' | 'warn' | 'action' | 'note';

/** One node of the eventstream's graph: a source, stream, operator or destination. */
export interface TopologyNode {
  readonly id: string;
  readonly name: string;
  readonly kind: NodeKind;
  /** Fabric's type: CustomEndpoint, AmazonMSKKafka, Eventhouse, Lakehouse, Filter, DefaultStream, ... (open set). */
  readonly type: string;
  /** Sources and destinations only: Running, Failed, Paused, ... (open set). */
  readonly status?: string;
  readonly error?: NodeError;
  /** Ids of the nodes that feed this one. */
  readonly inputs: readonly string[];
  readonly verdict?: NodeVerdict;
  /** For a Filter operator: it drops events that carry the readinessTest field. */
  readonly dropsTestEvents?: boolean;
}

/** The eventstream's graph, as the report draws it. */
export interface TopologyView {
  readonly nodes: readonly TopologyNode[];
  readonly compatibilityLevel?: string;
}

export interface ControlPlaneStep {
  readonly step: ControlPlaneStepName;
  readonly status: 'pass' | 'fail' | 'not-run';
  /** One line: what Fabric said, or why the step failed or did not run. */
  readonly message: string;
  readonly measured: Measured;
  readonly thresholds: Measured;
  readonly warnings: readonly string[];
  readonly diagnosis?: { readonly failureClass: string; readonly cause: string; readonly hint: string };
  readonly durationMs: number;
}

/** Everything the control plane said in one run; `configured: false` when no workspace and eventstream were given. */
export interface ControlPlaneResult {
  readonly configured: boolean;
  /** Why the control plane was not asked (not configured, or settings invalid). */
  readonly reason?: string;
  readonly apiUrl?: string;
  readonly workspace?: { readonly id: string; readonly name?: string };
  readonly eventstream?: { readonly id: string; readonly name?: string };
  /** Which credential answered and when its token expires; never the token. */
  readonly identity?: { readonly credential: string; readonly expiresOn?: string };
  readonly steps: readonly ControlPlaneStep[];
  readonly topology?: TopologyView;
  /** FABRIC_* variables whose values came from Fabric (discovery), not from the user. */
  readonly discovered: readonly string[];
}

/** Not asked: every control-plane check is reported not run, with the reason. */
export function controlPlaneNotRun(reason: string): ControlPlaneResult {
  return {
    configured: false,
    reason,
    discovered: [],
    steps: CONTROL_PLANE_STEPS.map((step) => ({
      step,
      status: 'not-run',
      message: `not run: ${reason}`,
      measured: {},
      thresholds: {},
      warnings: [],
      durationMs: 0,
    })),
  };
}

/** Fabric's error on a node, quoted: errorCode, errorMessage and each errorDetails entry. */
export function quoteNodeError(error: NodeError | undefined): string {
  if (!error) return '';
  const main = [error.errorCode, error.errorMessage].filter(Boolean).join(': ');
  return [main, ...(error.errorDetails ?? []).filter(Boolean).map((d) => `detail ${d}`)].filter(Boolean).join('; ');
}
