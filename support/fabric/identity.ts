// The bearer token for Fabric's REST API: FABRIC_API_TOKEN as given, or the first Entra ID credential that answers in
// DefaultAzureCredential's order, naming the one that did; every attempt bounded, the token a secret from birth.
import {
  AzureCliCredential,
  AzureDeveloperCliCredential,
  AzurePowerShellCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type AccessToken,
  type ClientSecretCredentialOptions,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import { DeadlineError, withDeadline } from '../core/deadline.js';
import { redact, registerSecret } from '../core/redact.js';
import { FABRIC_API_RESOURCE, FABRIC_API_SCOPE } from '../facts/fabric-api.js';
import type { Env } from '../inputs/settings.js';

/** A token and where it came from; `token` is registered for redaction and must never be printed. */
export interface FabricToken {
  readonly token: string;
  /** Epoch ms (from the credential, or a JWT's `exp`); unknown for an opaque FABRIC_API_TOKEN. */
  readonly expiresOn?: number;
  /** "FABRIC_API_TOKEN", or the answering credential: "EnvironmentCredential", "AzureCliCredential", ... */
  readonly credential: string;
  readonly kind: IdentityKind;
  /** What the caller can show: a wrong audience, an expired token. Never the token. */
  readonly warnings: readonly string[];
}

export interface TokenSource {
  getToken(): Promise<FabricToken>;
}

export interface FabricTokenSourceOptions {
  /** FABRIC_API_TOKEN (default: env.FABRIC_API_TOKEN): used as is. */
  readonly token?: string;
  readonly env: Env;
  /** Replaces the credential chain (tests, or a caller that holds its own credential). */
  readonly credential?: TokenCredential;
  /** Bound on one getToken() as a whole: every credential tried shares it. */
  readonly timeoutMs: number;
}

/** Who the token speaks for, for the client's error hints (a service principal needs the tenant setting). */
export type IdentityKind = 'token' | 'service-principal' | 'user';

/** DefaultAzureCredential's order (@azure/identity 4.13), without VisualStudioCodeCredential and the WAM broker. */
export const CREDENTIAL_ORDER = [
  'EnvironmentCredential',
  'WorkloadIdentityCredential',
  'ManagedIdentityCredential',
  'AzureCliCredential',
  'AzurePowerShellCredential',
  'AzureDeveloperCliCredential',
] as const;

/** Entra ID's authority hosts (public cloud, US Government, China by 21Vianet); any other needs instance discovery off. */
export const MICROSOFT_AUTHORITY_HOSTS = [
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
] as const;

const APP_CREDENTIALS = new Set([
  'EnvironmentCredential',
  'WorkloadIdentityCredential',
  'ManagedIdentityCredential',
  'ClientSecretCredential',
  'ClientCertificateCredential',
  'ClientAssertionCredential',
  'AzurePipelinesCredential',
]);

/**
 * 'token' for FABRIC_API_TOKEN; a service principal for the app credentials (secret, certificate, workload identity,
 * managed identity). A CLI login is a user's, unless its token says it is an app's (`idtyp` app, or no `scp`):
 * `az login --service-principal` and azure/login with OIDC sign in as the pipeline's app.
 */
export function identityKind(credentialName: string, token?: string): IdentityKind {
  if (credentialName === 'FABRIC_API_TOKEN') return 'token';
  if (APP_CREDENTIALS.has(credentialName)) return 'service-principal';
  const claims = token ? readJwtClaims(token) : undefined;
  if (claims && (claims.idtyp === 'app' || (claims.scp === undefined && (claims.appid !== undefined || claims.azp !== undefined)))) return 'service-principal';
  return 'user';
}

/** Claims of a JWT, read without verifying it (only Fabric can); undefined for an opaque token. */
export function readJwtClaims(token: string): Readonly<Record<string, unknown>> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The audience a JWT names, or a warning when it is not Fabric's API (Fabric then answers 401 InvalidToken). */
export function audienceWarning(token: string): string | undefined {
  const aud = readJwtClaims(token)?.aud;
  if (aud === undefined) return undefined;
  const audiences = (Array.isArray(aud) ? aud : [aud]).map(String);
  if (audiences.some((a) => a.replace(/\/+$/, '') === FABRIC_API_RESOURCE)) return undefined;
  return `the token's audience is ${audiences.join(', ')}, not ${FABRIC_API_RESOURCE}: Fabric may refuse it (InvalidToken); get one for ${FABRIC_API_RESOURCE} (az account get-access-token --resource ${FABRIC_API_RESOURCE})`;
}

/** Warnings about a token the caller can show: its audience, and an expiry already past. */
export function tokenWarnings(token: string, now = Date.now()): string[] {
  const warnings: string[] = [];
  const audience = audienceWarning(token);
  if (audience) warnings.push(audience);
  const exp = readJwtClaims(token)?.exp;
  if (typeof exp === 'number' && exp * 1000 <= now)
    warnings.push(`the token expired ${Math.round((now - exp * 1000) / 60000)} min ago (its exp claim): get a new one`);
  return warnings;
}

function staticToken(token: string): FabricToken {
  registerSecret(token);
  const exp = readJwtClaims(token)?.exp;
  return { token, expiresOn: typeof exp === 'number' ? exp * 1000 : undefined, credential: 'FABRIC_API_TOKEN', kind: 'token', warnings: tokenWarnings(token) };
}

// ---------------------------------------------------------------------------------------------------------------------
// The authority

/** MSAL's authority options from AZURE_AUTHORITY_HOST: a host not Microsoft's fails instance discovery unless it is off. */
export function authorityOptions(env: Env): { authorityHost?: string; disableInstanceDiscovery?: true } {
  const raw = env.AZURE_AUTHORITY_HOST?.trim();
  if (!raw) return {};
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || url.search || url.hash)
    throw new Error(`AZURE_AUTHORITY_HOST: expected an https URL such as https://login.microsoftonline.com (MSAL refuses http), found ${JSON.stringify(raw)}`);
  const microsoft = (MICROSOFT_AUTHORITY_HOSTS as readonly string[]).includes(url.hostname.toLowerCase());
  // No environment variable turns instance discovery off: without it MSAL fails with endpoints_resolution_error.
  return microsoft ? { authorityHost: url.origin } : { authorityHost: url.origin, disableInstanceDiscovery: true };
}

// ---------------------------------------------------------------------------------------------------------------------
// The chain

/** One credential of the chain: its name, and the credential, or why it cannot be tried here. */
export interface CredentialLink {
  readonly name: string;
  readonly credential?: TokenCredential;
  readonly unavailable?: string;
}

/** What one credential did, for the failure message. */
export interface CredentialAttempt {
  readonly name: string;
  readonly outcome: 'unavailable' | 'failed' | 'timed out' | 'not tried';
  readonly reason: string;
}

export class FabricIdentityError extends Error {
  constructor(
    message: string,
    readonly attempts: readonly CredentialAttempt[],
  ) {
    super(message);
    this.name = 'FabricIdentityError';
  }
}

/** How long after the chain's deadline its HTTP requests are ended. */
const REQUEST_GRACE_MS = 100;

type AdditionalPolicies = NonNullable<ClientSecretCredentialOptions['additionalPolicies']>;

/** What every MSAL-based credential of the chain gets: the authority, and the deadline on its requests. */
type CommonOptions = ReturnType<typeof authorityOptions> & { readonly additionalPolicies: AdditionalPolicies };

const missing = (env: Env, names: readonly string[]): string[] => names.filter((n) => !env[n]?.trim());

/**
 * EnvironmentCredential, read from `env` rather than process.env: a configured one that fails stops the chain, as
 * DefaultAzureCredential's does (it turns every error of its inner credential into an AuthenticationError).
 */
class EnvironmentServicePrincipal implements TokenCredential {
  constructor(private readonly inner: TokenCredential) {}
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    try {
      return await this.inner.getToken(scopes, options);
    } catch (error) {
      const failed = new Error(error instanceof Error ? error.message : String(error));
      failed.name = 'AuthenticationError';
      throw failed;
    }
  }
}

function environmentLink(env: Env, authority: CommonOptions): CredentialLink {
  const name = 'EnvironmentCredential';
  const [tenantId, clientId] = [env.AZURE_TENANT_ID?.trim(), env.AZURE_CLIENT_ID?.trim()];
  const common = { ...authority, additionallyAllowedTenants: env.AZURE_ADDITIONALLY_ALLOWED_TENANTS?.split(';').filter(Boolean) };
  const secret = env.AZURE_CLIENT_SECRET;
  const certificatePath = env.AZURE_CLIENT_CERTIFICATE_PATH?.trim();
  if (tenantId && clientId && secret)
    return { name, credential: new EnvironmentServicePrincipal(new ClientSecretCredential(tenantId, clientId, secret, common)) };
  if (tenantId && clientId && certificatePath) {
    const sendCertificateChain = /^(true|1)$/i.test(env.AZURE_CLIENT_SEND_CERTIFICATE_CHAIN ?? '');
    const certificate = { certificatePath, certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD };
    return {
      name,
      credential: new EnvironmentServicePrincipal(new ClientCertificateCredential(tenantId, clientId, certificate, { ...common, sendCertificateChain })),
    };
  }
  const lacking = missing(env, ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID']);
  return { name, unavailable: `${[...lacking, 'AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH'].join(', ')} not set` };
}

function workloadIdentityLink(env: Env, authority: CommonOptions): CredentialLink {
  const name = 'WorkloadIdentityCredential';
  const lacking = missing(env, ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_FEDERATED_TOKEN_FILE']);
  if (lacking.length > 0) return { name, unavailable: `${lacking.join(', ')} not set` };
  const options = {
    ...authority,
    tenantId: env.AZURE_TENANT_ID?.trim(),
    clientId: env.AZURE_CLIENT_ID?.trim(),
    tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE?.trim(),
  };
  return { name, credential: new WorkloadIdentityCredential(options) };
}

function managedIdentityLink(env: Env, additionalPolicies: AdditionalPolicies): CredentialLink {
  // DefaultAzureCredential's own IMDS probe (1 s, no retries): a machine without managed identity moves on at once.
  // `sendProbeRequest` is an option @azure/identity keeps internal; passed the way DefaultAzureCredential passes it.
  const options = {
    clientId: env.AZURE_CLIENT_ID?.trim() || undefined,
    retryOptions: { maxRetries: 5, retryDelayInMs: 800 },
    sendProbeRequest: true,
    additionalPolicies,
  };
  return { name: 'ManagedIdentityCredential', credential: new ManagedIdentityCredential(options) };
}

/**
 * Ends every HTTP request of the credentials (and their retries) at the chain's deadline. MSAL does not pass on the
 * caller's abort signal: without this, a request to an authority that never answers outlives the chain and keeps the
 * process alive.
 */
function deadlinePolicy(deadlineAt: number): AdditionalPolicies {
  const policy: AdditionalPolicies[number]['policy'] = {
    name: 'fabricIdentityDeadline',
    sendRequest: (request, next) => {
      const controller = new AbortController();
      const abort = () => controller.abort();
      const timer = setTimeout(abort, Math.max(1, deadlineAt - Date.now()));
      if (request.abortSignal?.aborted) abort();
      request.abortSignal?.addEventListener('abort', abort, { once: true });
      request.abortSignal = controller.signal;
      return next(request).finally(() => clearTimeout(timer));
    },
  };
  return [{ policy, position: 'perCall' }];
}

/** The chain's bound: `timeoutMs` in all, from `deadlineAt` (epoch ms) when given, so chain and requests share one end. */
export interface ChainBound {
  readonly timeoutMs: number;
  readonly deadlineAt?: number;
}

/** The credentials DefaultAzureCredential would try, in its order, configured from `env` (CLI tools run as they are). */
export function defaultCredentialChain(env: Env, options: ChainBound): CredentialLink[] {
  registerSecret(env.AZURE_CLIENT_SECRET);
  registerSecret(env.AZURE_CLIENT_CERTIFICATE_PASSWORD);
  // A little after the chain's own deadline, so the chain reports "timed out" first, then the request is ended.
  const authority: CommonOptions = {
    ...authorityOptions(env),
    additionalPolicies: deadlinePolicy((options.deadlineAt ?? Date.now() + options.timeoutMs) + REQUEST_GRACE_MS),
  };
  const tools = { processTimeoutInMs: options.timeoutMs };
  const build: Record<(typeof CREDENTIAL_ORDER)[number], () => CredentialLink> = {
    EnvironmentCredential: () => environmentLink(env, authority),
    WorkloadIdentityCredential: () => workloadIdentityLink(env, authority),
    ManagedIdentityCredential: () => managedIdentityLink(env, authority.additionalPolicies),
    AzureCliCredential: () => ({ name: 'AzureCliCredential', credential: new AzureCliCredential(tools) }),
    AzurePowerShellCredential: () => ({ name: 'AzurePowerShellCredential', credential: new AzurePowerShellCredential(tools) }),
    AzureDeveloperCliCredential: () => ({ name: 'AzureDeveloperCliCredential', credential: new AzureDeveloperCliCredential(tools) }),
  };
  return CREDENTIAL_ORDER.map((name) => {
    try {
      return build[name]();
    } catch (error) {
      return { name, unavailable: shortReason(error) };
    }
  });
}

/** MSAL's error codes that say nothing by themselves, in words (with the likely causes). */
const MSAL_CODES: Readonly<Record<string, string>> = {
  endpoints_resolution_error:
    "the authority's OpenID configuration (<authority>/<tenant>/v2.0/.well-known/openid-configuration) could not be read: " +
    'authority unreachable, its certificate not trusted (NODE_EXTRA_CA_CERTS), or a wrong AZURE_TENANT_ID',
  network_error: 'network error (no answer from the endpoint)',
};

/** Boilerplate that identity errors append: troubleshooting links, correlation ids, the credential's own name. */
const NOISE = [
  /\s*(To troubleshoot|To mitigate this issue|More details:|Trace ID:|Correlation ID:|Timestamp:)[\s\S]*$/i,
  /\s*See https?:\/\/\S+ for details\.?/gi,
  /^(Error: |[A-Za-z]+Credential: )/,
];

/** One short, redacted line of an identity error: no troubleshooting links, correlation ids or stack. */
export function shortReason(error: unknown): string {
  let line = redact(error instanceof Error ? error.message : String(error));
  // MSAL's server errors: "invalid_client: Error(s): 7000215 - Timestamp: ... - Description: AADSTS7000215: ... - Correlation ID: ..."
  const described = /^(\w+): Error\(s\): [\d, ]+ - [\s\S]*?Description: ([\s\S]*?)(?:\s+-\s+Correlation ID:|\s+Trace ID:|$)/.exec(line);
  if (described) line = `${described[1]}: ${described[2]}`;
  for (const pattern of NOISE) line = line.replace(pattern, '');
  line = line.replace(/\b([a-z]+(?:_[a-z]+)+)\b:?/g, (code: string, name: string) => (MSAL_CODES[name] ? `${name}: ${MSAL_CODES[name]}` : code));
  line = line.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line || 'no message';
}

/** A credential that cannot be used here says so with this name; any other error is a configured credential refused. */
const UNAVAILABLE = new Set(['CredentialUnavailableError', 'AuthenticationRequiredError']);

async function tryLink(link: CredentialLink & { credential: TokenCredential }, scope: string, remainingMs: number): Promise<AccessToken | CredentialAttempt> {
  const abort = new AbortController();
  const started = performance.now();
  try {
    const work = link.credential.getToken(scope, { abortSignal: abort.signal });
    const access = await withDeadline(work, remainingMs, link.name, () => abort.abort());
    if (access) registerSecret(access.token);
    return access ?? { name: link.name, outcome: 'unavailable', reason: 'answered no token' };
  } catch (error) {
    if (error instanceof DeadlineError)
      return { name: link.name, outcome: 'timed out', reason: `no answer within ${Math.round(performance.now() - started)} ms` };
    const name = error instanceof Error ? error.name : '';
    return { name: link.name, outcome: UNAVAILABLE.has(name) ? 'unavailable' : 'failed', reason: shortReason(error) };
  }
}

/**
 * Tries each credential in order within `timeoutMs` in all, and answers with the first token and the name of the
 * credential that gave it. A credential configured but refused (wrong secret) ends the chain, as in
 * DefaultAzureCredential; on failure one error lists every credential and why.
 */
export async function firstToken(links: readonly CredentialLink[], options: ChainBound & { scope?: string }): Promise<FabricToken> {
  const scope = options.scope ?? FABRIC_API_SCOPE;
  const started = performance.now();
  const deadlineAt = options.deadlineAt ?? Date.now() + options.timeoutMs;
  const attempts: CredentialAttempt[] = [];
  for (const link of links) {
    const remainingMs = Math.floor(deadlineAt - Date.now());
    if (link.unavailable !== undefined || !link.credential)
      attempts.push({ name: link.name, outcome: 'unavailable', reason: link.unavailable ?? 'not configured' });
    else if (remainingMs <= 0) attempts.push({ name: link.name, outcome: 'not tried', reason: `the ${options.timeoutMs} ms for a token were spent` });
    else {
      const result = await tryLink({ ...link, credential: link.credential }, scope, remainingMs);
      if ('token' in result) return credentialToken(link.name, result);
      attempts.push(result);
      if (result.outcome === 'failed') break;
    }
  }
  throw identityFailure(links, attempts, { scope, timeoutMs: options.timeoutMs, elapsedMs: performance.now() - started });
}

function credentialToken(name: string, access: AccessToken): FabricToken {
  return {
    token: access.token,
    expiresOn: access.expiresOnTimestamp,
    credential: name,
    kind: identityKind(name, access.token),
    warnings: tokenWarnings(access.token),
  };
}

const STOPPED = 'DefaultAzureCredential stops at a configured credential that fails';

function identityFailure(
  links: readonly CredentialLink[],
  attempts: CredentialAttempt[],
  at: { scope: string; timeoutMs: number; elapsedMs: number },
): FabricIdentityError {
  const stoppedAt = attempts.find((a) => a.outcome === 'failed');
  const rest = links.slice(attempts.length).map((l): CredentialAttempt => ({ name: l.name, outcome: 'not tried', reason: STOPPED }));
  const all = [...attempts, ...rest];
  const lines = all.filter((a) => a.outcome !== 'not tried').map((a) => `${a.name} ${a.outcome}: ${a.reason}`);
  const notTried = all.filter((a) => a.outcome === 'not tried');
  if (notTried[0]) lines.push(`not tried (${notTried[0].reason}): ${notTried.map((a) => a.name).join(', ')}`);
  const head = stoppedAt
    ? `${stoppedAt.name} could not get a token for ${at.scope}`
    : all.some((a) => a.outcome === 'timed out')
      ? `no credential gave a token for ${at.scope} within ${at.timeoutMs} ms`
      : `no credential gave a token for ${at.scope} (FABRIC_API_TOKEN not set; DefaultAzureCredential's order)`;
  return new FabricIdentityError(redact(`${head} after ${Math.round(at.elapsedMs)} ms: ${lines.join('; ')}`), all);
}

// ---------------------------------------------------------------------------------------------------------------------
// The source

/** A token is fetched again this long before it expires (a check run must not start with a token about to lapse). */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** The name an injected credential reports: its class ("ClientSecretCredential"), else "injected credential". */
function injectedName(credential: TokenCredential): string {
  const name = (credential as { constructor?: { name?: string } }).constructor?.name;
  return name && name !== 'Object' ? name : 'injected credential';
}

/**
 * The token source for Fabric's client: FABRIC_API_TOKEN as is, else the injected credential, else the credential
 * chain. A token is reused until five minutes before its expiry; concurrent callers share one request.
 */
export function fabricTokenSource(options: FabricTokenSourceOptions): TokenSource {
  const given = (options.token ?? options.env.FABRIC_API_TOKEN)?.trim();
  if (given) {
    const token = staticToken(given);
    return { getToken: () => Promise.resolve(token) };
  }
  let cached: FabricToken | undefined;
  let pending: Promise<FabricToken> | undefined;
  const fetchToken = async (): Promise<FabricToken> => {
    const bound: ChainBound = { timeoutMs: options.timeoutMs, deadlineAt: Date.now() + options.timeoutMs };
    const links = options.credential
      ? [{ name: injectedName(options.credential), credential: options.credential }]
      : defaultCredentialChain(options.env, bound);
    return firstToken(links, bound);
  };
  return {
    getToken: () => {
      if (cached && (cached.expiresOn === undefined || cached.expiresOn - REFRESH_MARGIN_MS > Date.now())) return Promise.resolve(cached);
      pending ??= fetchToken()
        .then((token) => (cached = token))
        .finally(() => (pending = undefined));
      return pending;
    },
  };
}
