// Fabric's REST API as Microsoft documents it (the control plane of an eventstream): the one place for its facts.

/** Base URL of the public API (FABRIC_API_URL's default). */
export const FABRIC_API_URL = 'https://api.fabric.microsoft.com/v1';
/** The token scope for the API (the constant Microsoft's own fabric-cli uses). */
export const FABRIC_API_SCOPE = 'https://api.fabric.microsoft.com/.default';
/** The resource `az account get-access-token --resource` takes for the same token. */
export const FABRIC_API_RESOURCE = 'https://api.fabric.microsoft.com';

/** How the suite judges a source's or destination's status; Fabric's set is open ("more may be added over time"). */
export type StatusRule = 'pass' | 'fail' | 'warn' | 'poll' | 'note' | 'action';

export const NODE_STATUS_RULES: Readonly<Record<string, StatusRule>> = {
  Running: 'pass',
  Failed: 'fail',
  Paused: 'fail',
  Pausing: 'fail',
  Warning: 'warn',
  Creating: 'poll',
  Updating: 'poll',
  Resuming: 'poll',
  External: 'note',
  Unknown: 'action',
};

/** The rule for a status; a value not in the table (or none) needs a person to look: Action Required. */
export function statusRule(status: string | undefined): StatusRule {
  return (status !== undefined && NODE_STATUS_RULES[status]) || 'action';
}

/** What a status means for events, for messages. */
export const STATUS_MEANING: Readonly<Record<StatusRule, string>> = {
  pass: 'events flow',
  fail: 'events do not flow',
  warn: 'Fabric reports a warning: events may be delayed or dropped',
  poll: 'the node is changing state',
  note: "its health lives in the destination item (e.g. the Eventhouse's own ingestion), not in the eventstream",
  action: 'a status this suite does not know: look at the eventstream in Fabric',
};

/** The custom endpoint's source and destination types (open enums elsewhere; these two are what the Kafka endpoint is). */
export const CUSTOM_ENDPOINT_TYPE = 'CustomEndpoint';
/** An operator that can drop events by a condition. */
export const FILTER_OPERATOR_TYPE = 'Filter';

/** Roles an identity needs on the workspace, for messages: the topology is readable by a Viewer; connections are not. */
export const ROLE_NEEDED = {
  topology: 'Viewer (read) on the workspace',
  connection: 'read and write on the eventstream (Contributor or above on the workspace)',
} as const;

/** The tenant setting a Fabric administrator must enable for service principals and managed identities. */
export const SERVICE_PRINCIPAL_TENANT_SETTING = 'Service principals can use Fabric APIs (Admin portal > Tenant settings > Developer settings)';

/** Fabric's errorCode values the client explains (messages are not to be parsed; codes are stable). */
export const FABRIC_ERROR_CODES = {
  invalidToken: 'InvalidToken',
  tokenExpired: 'TokenExpired',
  itemNotFound: 'ItemNotFound',
  workspaceNotFound: 'WorkspaceNotFound',
  entityNotFound: 'EntityNotFound',
  insufficientPrivileges: 'InsufficientPrivileges',
  unauthorized: 'Unauthorized',
  requestBlocked: 'RequestBlocked',
  tooManyRequests: 'TooManyRequests',
} as const;
