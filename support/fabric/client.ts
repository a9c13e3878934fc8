// A small, read-only client of Fabric's REST API over fetch: every request bounded, 429s waited out as Retry-After
// asks while the deadline allows, and every failure mapped to a cause a person can act on, quoting Fabric's requestId.
import { setTimeout as sleep } from 'node:timers/promises';
import { FABRIC_API_RESOURCE, FABRIC_ERROR_CODES, ROLE_NEEDED, SERVICE_PRINCIPAL_TENANT_SETTING } from '../facts/fabric-api.js';
import { redact, registerSecret } from '../core/redact.js';
import {
  FabricShapeError,
  parseConnection,
  parseItem,
  parseItemPage,
  parseNode,
  parseTopology,
  type ApiNode,
  type CustomEndpointConnection,
  type FabricItem,
  type Topology,
} from './topology.js';
import type { IdentityKind } from './identity.js';

/** Who holds the token (support/fabric/identity.ts): a person, a service principal or managed identity, or a token given as is. */
export type { IdentityKind };

export type FabricFailureClass = 'timeout' | 'unreachable' | 'auth' | 'forbidden' | 'not-found' | 'throttled' | 'server' | 'rejected' | 'bad-response';

export interface FabricClientOptions {
  /** FABRIC_API_URL, e.g. https://api.fabric.microsoft.com/v1 (no trailing slash needed). */
  readonly apiUrl: string;
  readonly getToken: () => Promise<string>;
  /** Each request (and each token fetch) gets at most this long. */
  readonly requestTimeoutMs: number;
  /** Epoch ms: nothing the client does (requests, 429 waits, paging) runs past it. */
  readonly deadlineAt: number;
  readonly identityKind?: IdentityKind;
  readonly fetch?: typeof fetch;
  /** Bound on the pages a list follows (default 100). */
  readonly maxPages?: number;
  /** Bound on 429 retries of one request (default 5). */
  readonly maxThrottleRetries?: number;
}

/** One call may carry its own deadline (e.g. while polling a node that is still Creating). */
export interface CallOptions {
  readonly deadlineAt?: number;
}

export interface RequestRecord {
  readonly method: 'GET';
  /** The path below apiUrl, with its query. */
  readonly path: string;
  /** Absent when no answer came (timeout, refused). */
  readonly status?: number;
  readonly ms: number;
  readonly requestId?: string;
}

export interface ThrottleWait {
  readonly path: string;
  readonly ms: number;
  readonly requestId?: string;
}

interface ErrorFields {
  readonly failureClass: FabricFailureClass;
  readonly cause: string;
  readonly hint: string;
  readonly status?: number;
  readonly errorCode?: string;
  readonly requestId?: string;
  readonly path?: string;
}

/** A failed call: what failed, why (cause) and what to do (hint); the message quotes Fabric's requestId when there is one. */
export class FabricApiError extends Error {
  readonly failureClass: FabricFailureClass;
  override readonly cause: string;
  readonly hint: string;
  readonly status?: number;
  readonly errorCode?: string;
  readonly requestId?: string;
  readonly path?: string;

  constructor(message: string, fields: ErrorFields) {
    super(message);
    this.name = 'FabricApiError';
    this.failureClass = fields.failureClass;
    this.cause = fields.cause;
    this.hint = fields.hint;
    this.status = fields.status;
    this.errorCode = fields.errorCode;
    this.requestId = fields.requestId;
    this.path = fields.path;
  }
}

/** What a call is about, for messages: "the topology of eventstream <id> in workspace <id>". */
interface Subject {
  readonly what: string;
  /** A connection: Fabric asks for read and write on the eventstream (Contributor), not just Viewer. */
  readonly connection?: boolean;
}

/** Fabric's ErrorResponse, read tolerantly. */
interface ErrorBody {
  readonly errorCode?: string;
  readonly message?: string;
  readonly requestId?: string;
}

const DEFAULT_MAX_PAGES = 100;
const DEFAULT_MAX_THROTTLE_RETRIES = 5;
/** Without Retry-After, a 429 is retried after this long (Fabric documents that it always sends the header). */
const DEFAULT_RETRY_AFTER_MS = 1000;
const NOT_FOUND_CODES: readonly string[] = [FABRIC_ERROR_CODES.itemNotFound, FABRIC_ERROR_CODES.workspaceNotFound, FABRIC_ERROR_CODES.entityNotFound];

function readErrorBody(text: string): ErrorBody {
  try {
    const json: unknown = JSON.parse(text);
    if (!json || typeof json !== 'object') return {};
    const o = json as Record<string, unknown>;
    const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return { errorCode: s(o.errorCode), message: s(o.message), requestId: s(o.requestId) };
  } catch {
    return {};
  }
}

function headerRequestId(res: Response): string | undefined {
  return res.headers.get('x-ms-request-id') ?? res.headers.get('requestid') ?? res.headers.get('request-id') ?? undefined;
}

/** Retry-After in seconds (what Fabric sends) or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const enc = encodeURIComponent;

/** Fabric's REST API, read only: there is no method that writes, pauses or resumes. */
export class FabricClient {
  /** Every attempt, in order (429s and failures included): the proof that the suite only reads. */
  readonly requests: RequestRecord[] = [];
  /** Each wait a 429 asked for and the client honoured. */
  readonly waits: ThrottleWait[] = [];
  readonly #options: FabricClientOptions;
  readonly #base: URL;
  readonly #fetch: typeof fetch;

  constructor(options: FabricClientOptions) {
    this.#options = options;
    this.#base = new URL(options.apiUrl.replace(/\/+$/, '') + '/');
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  listWorkspaces(call?: CallOptions): Promise<FabricItem[]> {
    return this.#list('workspaces', { what: 'the workspaces this identity can see' }, call);
  }

  listEventstreams(workspaceId: string, call?: CallOptions): Promise<FabricItem[]> {
    return this.#list(`workspaces/${enc(workspaceId)}/eventstreams`, { what: `the eventstreams of workspace ${workspaceId}` }, call);
  }

  getWorkspace(workspaceId: string, call?: CallOptions): Promise<FabricItem> {
    return this.#get(`workspaces/${enc(workspaceId)}`, { what: `workspace ${workspaceId}` }, (j) => parseItem(j, 'workspace'), call);
  }

  getEventstream(workspaceId: string, eventstreamId: string, call?: CallOptions): Promise<FabricItem> {
    const subject = { what: `eventstream ${eventstreamId} in workspace ${workspaceId}` };
    return this.#get(`workspaces/${enc(workspaceId)}/eventstreams/${enc(eventstreamId)}`, subject, (j) => parseItem(j, 'eventstream'), call);
  }

  getTopology(workspaceId: string, eventstreamId: string, call?: CallOptions): Promise<Topology> {
    const subject = { what: `the topology of eventstream ${eventstreamId} in workspace ${workspaceId}` };
    return this.#get(`${this.#eventstreamPath(workspaceId, eventstreamId)}/topology`, subject, parseTopology, call);
  }

  getSource(workspaceId: string, eventstreamId: string, sourceId: string, call?: CallOptions): Promise<ApiNode> {
    const subject = { what: `source ${sourceId} of eventstream ${eventstreamId}` };
    return this.#get(`${this.#eventstreamPath(workspaceId, eventstreamId)}/sources/${enc(sourceId)}`, subject, (j) => parseNode(j, 'source'), call);
  }

  getDestination(workspaceId: string, eventstreamId: string, destinationId: string, call?: CallOptions): Promise<ApiNode> {
    const subject = { what: `destination ${destinationId} of eventstream ${eventstreamId}` };
    return this.#get(
      `${this.#eventstreamPath(workspaceId, eventstreamId)}/destinations/${enc(destinationId)}`,
      subject,
      (j) => parseNode(j, 'destination'),
      call,
    );
  }

  getSourceConnection(workspaceId: string, eventstreamId: string, sourceId: string, call?: CallOptions): Promise<CustomEndpointConnection> {
    const subject = { what: `the connection of source ${sourceId} of eventstream ${eventstreamId}`, connection: true };
    return this.#get(`${this.#eventstreamPath(workspaceId, eventstreamId)}/sources/${enc(sourceId)}/connection`, subject, parseConnection, call);
  }

  getDestinationConnection(workspaceId: string, eventstreamId: string, destinationId: string, call?: CallOptions): Promise<CustomEndpointConnection> {
    const subject = { what: `the connection of destination ${destinationId} of eventstream ${eventstreamId}`, connection: true };
    return this.#get(`${this.#eventstreamPath(workspaceId, eventstreamId)}/destinations/${enc(destinationId)}/connection`, subject, parseConnection, call);
  }

  #eventstreamPath(workspaceId: string, eventstreamId: string): string {
    return `workspaces/${enc(workspaceId)}/eventstreams/${enc(eventstreamId)}`;
  }

  /** A list endpoint, following continuationUri (same origin only: the token goes nowhere else) or continuationToken. */
  async #list(path: string, subject: Subject, call?: CallOptions): Promise<FabricItem[]> {
    const maxPages = this.#options.maxPages ?? DEFAULT_MAX_PAGES;
    const items: FabricItem[] = [];
    let next: URL | undefined = new URL(path, this.#base);
    for (let page = 1; next; page++) {
      if (page > maxPages) {
        throw this.#fail(subject, {
          failureClass: 'bad-response',
          cause: `Fabric kept paging beyond ${maxPages} pages`,
          hint: 'give the id instead of the display name',
        });
      }
      const got = await this.#request(next, subject, (j) => parseItemPage(j, subject.what), call);
      items.push(...got.value);
      next = this.#nextPage(path, got.continuationUri, got.continuationToken);
    }
    return items;
  }

  #nextPage(path: string, continuationUri?: string, continuationToken?: string): URL | undefined {
    if (continuationUri && URL.canParse(continuationUri) && new URL(continuationUri).origin === this.#base.origin) return new URL(continuationUri);
    if (!continuationToken) return undefined;
    const url = new URL(path, this.#base);
    url.searchParams.set('continuationToken', continuationToken);
    return url;
  }

  #get<T>(path: string, subject: Subject, parse: (json: unknown) => T, call?: CallOptions): Promise<T> {
    return this.#request(new URL(path, this.#base), subject, parse, call);
  }

  #pathOf(url: URL): string {
    const below = url.pathname.startsWith(this.#base.pathname) ? `/${url.pathname.slice(this.#base.pathname.length)}` : url.pathname;
    return below + url.search;
  }

  /** One GET, retried only after a 429 whose Retry-After fits before the deadline. */
  async #request<T>(url: URL, subject: Subject, parse: (json: unknown) => T, call?: CallOptions): Promise<T> {
    const deadlineAt = call?.deadlineAt ?? this.#options.deadlineAt;
    const maxRetries = this.#options.maxThrottleRetries ?? DEFAULT_MAX_THROTTLE_RETRIES;
    for (let attempt = 0; ; attempt++) {
      const answer = await this.#attempt(url, subject, deadlineAt);
      if (answer.res.status !== 429) return this.#accept(answer, subject, parse);
      await this.#waitOutThrottle(answer, subject, deadlineAt, attempt < maxRetries);
    }
  }

  /** Honours Retry-After when it fits before the deadline (recording the wait), else fails as throttled. */
  async #waitOutThrottle(answer: Answer, subject: Subject, deadlineAt: number, mayRetry: boolean): Promise<void> {
    const asked = retryAfterMs(answer.res.headers.get('retry-after'));
    const ms = asked ?? DEFAULT_RETRY_AFTER_MS;
    const requestId = answer.body.requestId ?? answer.requestId;
    if (!mayRetry || Date.now() + ms >= deadlineAt) {
      const why = mayRetry
        ? `asked to wait ${ms} ms, beyond the control plane's deadline (${Math.max(0, deadlineAt - Date.now())} ms left)`
        : 'still throttled after several waits';
      throw this.#fail(subject, {
        failureClass: 'throttled',
        status: 429,
        errorCode: answer.body.errorCode,
        requestId,
        cause: `Fabric throttled the request (429): ${why}`,
        hint: 'Fabric limits requests per identity: run again later, or raise READINESS_CONTROL_PLANE_TIMEOUT_MS',
      });
    }
    this.waits.push({ path: answer.path, ms, ...(requestId ? { requestId } : {}) });
    // Fabric asked for this pause (Retry-After); it fits before the deadline, checked above.
    await sleep(ms);
  }

  /** One attempt: token, fetch and body, all within min(requestTimeoutMs, time to the deadline). */
  async #attempt(url: URL, subject: Subject, deadlineAt: number): Promise<Answer> {
    const path = this.#pathOf(url);
    const left = deadlineAt - Date.now();
    if (left <= 0) {
      throw this.#fail(subject, {
        failureClass: 'timeout',
        path,
        cause: "the control plane's deadline passed before the request",
        hint: 'raise READINESS_CONTROL_PLANE_TIMEOUT_MS',
      });
    }
    const budget = Math.min(this.#options.requestTimeoutMs, left);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), budget);
    const start = performance.now();
    let token: string | undefined;
    try {
      token = await this.#token(controller.signal, subject);
      const res = await this.#fetch(url, {
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: controller.signal,
      });
      const text = await res.text();
      const ms = Math.round(performance.now() - start);
      const body = res.ok ? {} : readErrorBody(text);
      const requestId = body.requestId ?? headerRequestId(res);
      this.requests.push({ method: 'GET', path, status: res.status, ms, ...(requestId ? { requestId } : {}) });
      return { res, text, body, path, requestId };
    } catch (error) {
      if (error instanceof FabricApiError) throw error;
      if (token === undefined) throw this.#tokenTimeout(subject, path, budget);
      this.requests.push({ method: 'GET', path, ms: Math.round(performance.now() - start) });
      throw this.#transportFailure(error, { subject, path, budget, controller, token });
    } finally {
      clearTimeout(timer);
    }
  }

  async #token(signal: AbortSignal, subject: Subject): Promise<string> {
    const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('token: no answer in time')), { once: true }));
    let token: string;
    try {
      token = await Promise.race([this.#options.getToken(), aborted]);
    } catch (error) {
      // No token in time is a timeout of the attempt, reported as such by the caller.
      if (signal.aborted) throw error;
      const why = error instanceof Error ? error.message : String(error);
      throw this.#fail(subject, {
        failureClass: 'auth',
        cause: `no token for the Fabric REST API: ${why}`,
        hint: `log in (az login) or set FABRIC_API_TOKEN to a token for ${FABRIC_API_RESOURCE}`,
      });
    }
    registerSecret(token);
    return token;
  }

  /** The credential did not hand over a token within the request's budget: no request was sent. */
  #tokenTimeout(subject: Subject, path: string, budget: number): FabricApiError {
    return this.#fail(subject, {
      failureClass: 'timeout',
      path,
      cause: `no token for the Fabric REST API within ${budget} ms: the credential did not answer (no request was sent)`,
      hint: 'check the identity: az login, the AZURE_* variables or the managed identity endpoint; or set FABRIC_API_TOKEN',
    });
  }

  #transportFailure(error: unknown, ctx: { subject: Subject; path: string; budget: number; controller: AbortController; token?: string }): FabricApiError {
    if (ctx.controller.signal.aborted) {
      const cut =
        ctx.budget < this.#options.requestTimeoutMs
          ? ` (the control plane's deadline left ${ctx.budget} ms of READINESS_CONTROL_PLANE_REQUEST_TIMEOUT_MS ${this.#options.requestTimeoutMs})`
          : '';
      return this.#fail(ctx.subject, {
        failureClass: 'timeout',
        path: ctx.path,
        cause: `the Fabric REST API did not answer within ${ctx.budget} ms${cut}`,
        hint: `check that ${this.#base.origin} is reachable from here (proxy, firewall, FABRIC_API_URL); raise READINESS_CONTROL_PLANE_REQUEST_TIMEOUT_MS if it is only slow`,
      });
    }
    const reason = networkReason(error);
    return this.#fail(ctx.subject, {
      failureClass: 'unreachable',
      path: ctx.path,
      cause: `cannot reach ${this.#base.origin}: ${redact(reason, [ctx.token])}`,
      hint: 'check FABRIC_API_URL, DNS, the proxy (HTTPS_PROXY) and the firewall',
    });
  }

  /** A 2xx body through its parser; any other status mapped to its cause. */
  #accept<T>(answer: Answer, subject: Subject, parse: (json: unknown) => T): T {
    const { res } = answer;
    if (!res.ok)
      throw this.#fail(subject, {
        ...this.#mapStatus(res.status, answer.body, subject),
        status: res.status,
        errorCode: answer.body.errorCode,
        requestId: answer.requestId,
        path: answer.path,
      });
    const requestId = answer.requestId;
    try {
      return parse(JSON.parse(answer.text) as unknown);
    } catch (error) {
      const why = error instanceof FabricShapeError ? error.message : `not JSON (${answer.text.length} bytes)`;
      throw this.#fail(subject, {
        failureClass: 'bad-response',
        status: res.status,
        requestId,
        path: answer.path,
        cause: `Fabric answered ${res.status} with a body the suite cannot read: ${why}`,
        hint: 'check FABRIC_API_URL points at the Fabric REST API (…/v1); if it does, Fabric changed its answer: report it with the requestId',
      });
    }
  }

  /** Fabric's status and errorCode to a cause and a hint: the first rule that applies (codes are stable; messages are not parsed). */
  #mapStatus(status: number, body: ErrorBody, subject: Subject): Mapped {
    const answer: FailedAnswer = {
      status,
      code: body.errorCode,
      said: body.message ? ` Fabric says: ${body.message}` : '',
      subject,
      servicePrincipal: this.#options.identityKind === 'service-principal',
    };
    for (const rule of STATUS_RULES) {
      const mapped = rule(answer);
      if (mapped) return mapped;
    }
    return {
      failureClass: 'rejected',
      cause: `Fabric rejected the request (${statusText(answer)}).${answer.said}`,
      hint: 'check FABRIC_API_URL; report it with the requestId',
    };
  }

  /** The error, its message redacted: what was asked, why it failed, Fabric's requestId. */
  #fail(subject: Subject, fields: ErrorFields): FabricApiError {
    const id = fields.requestId ? ` (requestId ${fields.requestId})` : '';
    const message = redact(`${subject.what}: ${fields.cause}${id}`);
    return new FabricApiError(message, { ...fields, cause: redact(fields.cause), hint: redact(fields.hint) });
  }
}

type Mapped = Pick<ErrorFields, 'failureClass' | 'cause' | 'hint'>;

/** A non-2xx answer, as the mapping rules read it. */
interface FailedAnswer {
  readonly status: number;
  readonly code?: string;
  /** " Fabric says: <message>", or empty. */
  readonly said: string;
  readonly subject: Subject;
  readonly servicePrincipal: boolean;
}

const statusText = (a: FailedAnswer) => `${a.status}${a.code ? ` ${a.code}` : ''}`;

/** For a service principal, a refusal most often means the tenant setting is off or it has no workspace role. */
function servicePrincipalHint(subject: Subject): string {
  const roles = `${ROLE_NEEDED.topology}${subject.connection ? `; for connections ${ROLE_NEEDED.connection}` : ''}`;
  return `a Fabric administrator must enable "${SERVICE_PRINCIPAL_TENANT_SETTING}", and the service principal needs a role on the workspace (${roles})`;
}

function refusedToken(a: FailedAnswer): Mapped | undefined {
  if (a.status !== 401 && a.code !== FABRIC_ERROR_CODES.invalidToken && a.code !== FABRIC_ERROR_CODES.tokenExpired) return undefined;
  const why = a.code === FABRIC_ERROR_CODES.tokenExpired ? 'it has expired' : `its audience must be ${FABRIC_API_RESOURCE}, and it must not have expired`;
  return {
    failureClass: 'auth',
    cause: `Fabric refused the token (${statusText(a)}): ${why}.${a.said}`,
    hint: a.servicePrincipal
      ? servicePrincipalHint(a.subject)
      : `get a new token for ${FABRIC_API_RESOURCE} (az account get-access-token --resource ${FABRIC_API_RESOURCE})`,
  };
}

function forbidden(a: FailedAnswer): Mapped | undefined {
  if (a.status !== 403) return undefined;
  // Connections hand out keys: Fabric wants read and write on the eventstream, where the topology needs a Viewer.
  const needs = a.subject.connection ? `fetching connections needs ${ROLE_NEEDED.connection}` : `reading it needs ${ROLE_NEEDED.topology}`;
  const instead = a.subject.connection
    ? 'give FABRIC_KAFKA_BOOTSTRAP and FABRIC_KAFKA_PASSWORD (FABRIC_KAFKA_*) instead, or grant that role'
    : 'grant that role';
  return {
    failureClass: 'forbidden',
    cause: `Fabric refused it (${statusText(a)}): ${needs}.${a.said}`,
    hint: [`${needs}; ${instead}`, ...(a.servicePrincipal ? [servicePrincipalHint(a.subject)] : [])].join('; '),
  };
}

function notFound(a: FailedAnswer): Mapped | undefined {
  if (a.status !== 404 && !(a.code && NOT_FOUND_CODES.includes(a.code))) return undefined;
  return {
    failureClass: 'not-found',
    cause: `Fabric has no ${a.subject.what}, or this identity cannot see it (${statusText(a)}).${a.said}`,
    hint: 'check FABRIC_WORKSPACE_ID and FABRIC_EVENTSTREAM_ID (an id, or the exact display name), and that the identity has a role on the workspace',
  };
}

function serverFailure(a: FailedAnswer): Mapped | undefined {
  if (a.status < 500) return undefined;
  return {
    failureClass: 'server',
    cause: `Fabric failed to answer (${statusText(a)}).${a.said}`,
    hint: 'run again later; if it persists, report it to Microsoft with the requestId',
  };
}

const STATUS_RULES: ReadonlyArray<(a: FailedAnswer) => Mapped | undefined> = [refusedToken, forbidden, notFound, serverFailure];

/** undici's "fetch failed" hides the reason in its cause: ECONNREFUSED, ENOTFOUND, a TLS error. */
function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause && typeof cause === 'object') {
    const c = cause as { code?: unknown; message?: unknown };
    const parts = [c.code, c.message].filter((p): p is string => typeof p === 'string');
    if (parts.length) return parts.join(' ');
  }
  return error.message;
}

interface Answer {
  readonly res: Response;
  readonly text: string;
  readonly body: ErrorBody;
  readonly path: string;
  readonly requestId?: string;
}
