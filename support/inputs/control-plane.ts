// Reads the control-plane settings (FABRIC_WORKSPACE_ID, FABRIC_EVENTSTREAM_ID, FABRIC_API_URL, ...) into one typed
// config; each problem names its variable. Without a workspace and an eventstream the control plane is not asked.
import { FABRIC_API_URL } from '../facts/fabric-api.js';
import { registerSecret } from '../core/redact.js';
import type { ConfigProblem } from './parsers.js';
import type { Env } from './settings.js';

export const CONTROL_PLANE_VARIABLES = [
  'FABRIC_WORKSPACE_ID',
  'FABRIC_EVENTSTREAM_ID',
  'FABRIC_API_URL',
  'FABRIC_API_TOKEN',
  'FABRIC_SOURCE_NAME',
  'FABRIC_DESTINATION_NAME',
] as const;

/** A workspace or an eventstream: Fabric's id (a uuid), or its display name to resolve through the list endpoints. */
export interface ItemRef {
  readonly id?: string;
  readonly name?: string;
  /** The variable it came from, for messages. */
  readonly variable: string;
}

export interface ControlPlaneConfig {
  readonly apiUrl: string;
  readonly workspace: ItemRef;
  readonly eventstream: ItemRef;
  /** A bearer token got elsewhere (FABRIC_API_TOKEN); without it, @azure/identity's DefaultAzureCredential. Secret. */
  readonly token?: string;
  /** Which custom endpoint source / destination, when the eventstream has several. */
  readonly sourceName?: string;
  readonly destinationName?: string;
}

export interface ControlPlaneCheck {
  /** True when a workspace or an eventstream was given (then both must be, and valid). */
  readonly configured: boolean;
  readonly config?: ControlPlaneConfig;
  readonly problems: readonly ConfigProblem[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

function itemRef(env: Env, variable: string, problems: ConfigProblem[]): ItemRef | undefined {
  const raw = env[variable]?.trim();
  if (!raw) {
    problems.push({ variable, expected: "the item's id (a uuid) or its display name, with the other control-plane variable", found: 'not set' });
    return undefined;
  }
  if (raw.length > 256) problems.push({ variable, expected: 'an id or a display name of at most 256 characters', found: `${raw.length} characters` });
  return UUID.test(raw) ? { id: raw.toLowerCase(), variable } : { name: raw, variable };
}

/** FABRIC_API_URL: https, or http only for a loopback host (a local stand-in); no query or fragment. */
export function parseApiUrl(raw: string | undefined): { url?: string; problem?: ConfigProblem } {
  const variable = 'FABRIC_API_URL';
  const value = raw?.trim() || FABRIC_API_URL;
  const expected = `an https URL such as ${FABRIC_API_URL} (http:// only for a loopback host)`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: { variable, expected, found: JSON.stringify(value) } };
  }
  const loopback = LOOPBACK.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return { problem: { variable, expected, found: JSON.stringify(value) } };
  if (url.search || url.hash || url.username || url.password) return { problem: { variable, expected, found: 'a URL with a query, fragment or credentials' } };
  return { url: url.href.replace(/\/+$/, '') };
}

function optionalName(env: Env, variable: string, problems: ConfigProblem[]): string | undefined {
  const raw = env[variable]?.trim();
  if (raw && raw.length > 256) problems.push({ variable, expected: 'a node name of at most 256 characters', found: `${raw.length} characters` });
  return raw || undefined;
}

export function checkControlPlaneEnv(env: Env): ControlPlaneCheck {
  const configured = !!(env.FABRIC_WORKSPACE_ID?.trim() || env.FABRIC_EVENTSTREAM_ID?.trim());
  if (!configured) return { configured, problems: [] };
  const problems: ConfigProblem[] = [];
  const workspace = itemRef(env, 'FABRIC_WORKSPACE_ID', problems);
  const eventstream = itemRef(env, 'FABRIC_EVENTSTREAM_ID', problems);
  const api = parseApiUrl(env.FABRIC_API_URL);
  if (api.problem) problems.push(api.problem);
  const token = env.FABRIC_API_TOKEN?.trim() || undefined;
  // Each part too: a value pasted with its "Bearer " prefix must not leak its token through the message that refuses it.
  for (const part of [token, ...(token?.split(/\s+/) ?? [])]) registerSecret(part);
  if (token && /\s/.test(token))
    problems.push({ variable: 'FABRIC_API_TOKEN', expected: 'a bearer token without spaces (no "Bearer " prefix)', found: 'a value with spaces (not shown)' });
  const sourceName = optionalName(env, 'FABRIC_SOURCE_NAME', problems);
  const destinationName = optionalName(env, 'FABRIC_DESTINATION_NAME', problems);
  if (problems.length > 0 || !workspace || !eventstream || !api.url) return { configured, problems };
  return { configured, problems, config: { apiUrl: api.url, workspace, eventstream, token, sourceName, destinationName } };
}
