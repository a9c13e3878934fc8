// Event Hubs' rule for keys: one custom endpoint is one event hub, so a key with an EntityPath reaches that topic only.
import type { ConfigProblem } from './parsers.js';

const ENTITY_SETUPS =
  'On Eventstream one custom endpoint is one event hub: its key reaches its own topic only (TOPIC_AUTHORIZATION_FAILED elsewhere). ' +
  'Use one of: (1) the same topic for both checks (FABRIC_TOPIC_ORDERS equal to FABRIC_TOPIC_TELEMETRY); ' +
  "(2) a second custom endpoint for orders: FABRIC_ORDERS_BOOTSTRAP and FABRIC_ORDERS_PASSWORD from that endpoint's Kafka tab; " +
  '(3) a namespace-level key (a shared access policy on the Event Hubs namespace) whose connection string has no EntityPath';

/** A key scoped to one event hub (EntityPath) used for a topic with another name: refused by Event Hubs, caught here first. */
export function entityPathProblem(use: { passwordVariable: string; entityPath?: string; topicVariable: string; topic: string }): ConfigProblem | undefined {
  if (!use.entityPath || use.entityPath === use.topic) return undefined;
  return {
    variable: use.passwordVariable,
    kind: 'entity-path',
    expected: `a connection string whose EntityPath is the topic it is used for, or none. ${ENTITY_SETUPS}`,
    found: `EntityPath=${use.entityPath} (from ${use.passwordVariable}), used for ${use.topicVariable}=${use.topic}`,
  };
}
