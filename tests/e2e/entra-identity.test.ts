// Entra ID offline: a token that @azure/identity gets from a local OpenID authority over HTTPS (AZURE_AUTHORITY_HOST,
// the run-local CA in NODE_EXTRA_CA_CERTS) reaches an HTTP client as a bearer; a refused or silent authority fails in
// bounded time naming the credential. The token itself is never printed: the child and the server compare hashes.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { own } from '../../support/core/cleanup.js';
import { PROJECT_ROOT } from '../../support/core/project-root.js';
import { startOidcAuthority, type OidcAuthority } from '../../support/dev/oidc-authority.js';
import { PROBE_TIMEOUT_VARIABLE, PROBE_URL_VARIABLE, tokenHash, type ProbeLine } from '../../support/dev/entra-token-probe.js';
import { FABRIC_API_RESOURCE } from '../../support/facts/fabric-api.js';

const PROBE = join(PROJECT_ROOT, 'support', 'dev', 'entra-token-probe.ts');
const TENANT = randomUUID();
const CLIENT = randomUUID();
const SECRET = `sec~${randomBytes(18).toString('base64url')}`;
/** The child's own bound on getting and presenting the token. */
const PROBE_TIMEOUT_MS = 10000;
/** The child is killed past this (tsx start-up on a busy 2-core machine included). */
const CHILD_LIMIT_MS = 60000;
/** Anything shaped like a JWT (header and payload are base64url JSON objects: "eyJ"). */
const JWT_SHAPE = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+/;

interface BearerSeen {
  readonly hash: string;
  readonly valid: boolean;
  readonly problem?: string;
  readonly aud?: unknown;
}

/** A loopback HTTP server standing in for Fabric's API: it accepts a bearer only if the local authority signed it. */
async function startBearerCheck(authority: OidcAuthority): Promise<{ url: string; seen: BearerSeen[]; server: Server }> {
  const seen: BearerSeen[] = [];
  const server = createHttpServer((req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const verdict = authority.verify(token);
    seen.push({ hash: tokenHash(token), valid: verdict.valid, problem: verdict.problem, aud: verdict.claims?.aud });
    res.writeHead(verdict.valid ? 200 : 401, { 'content-type': 'text/plain' }).end(verdict.valid ? 'token ok' : `refused: ${verdict.problem}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the bearer-checking server has no TCP address');
  return { url: `http://127.0.0.1:${address.port}/v1/workspaces`, seen, server };
}

/** A TCP server that accepts and never answers: an authority that hangs. */
async function startSilentAuthority(): Promise<{ host: string; close: () => void }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the silent authority has no TCP address');
  return {
    host: `https://localhost:${address.port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** The parent's environment without any Azure, Fabric or managed-identity setting that could answer instead. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(AZURE_|FABRIC_|IDENTITY_|MSI_|IMDS_|NODE_EXTRA_CA_CERTS$)/.test(k)) env[k] = v;
  }
  return env;
}

interface ProbeRun {
  readonly code: number | null;
  readonly line: ProbeLine;
  /** Everything the child printed (stdout and stderr), to prove no secret is in it. */
  readonly output: string;
}

async function runProbe(env: Record<string, string>): Promise<ProbeRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', PROBE], {
    cwd: PROJECT_ROOT,
    env: { ...cleanEnv(), [PROBE_TIMEOUT_VARIABLE]: String(PROBE_TIMEOUT_MS), ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const owned = own({ child });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const limit = setTimeout(() => void owned.release(0), CHILD_LIMIT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  clearTimeout(limit);
  await owned.release(0);
  const last = output
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!last) throw new Error(`the token probe printed no result line (exit ${code}, killed past ${CHILD_LIMIT_MS} ms?): ${output.slice(-2000)}`);
  return { code, line: JSON.parse(last) as ProbeLine, output };
}

function expectNoSecretIn(run: ProbeRun, secrets: readonly string[]): void {
  for (const secret of secrets) expect(run.output.includes(secret), 'a secret appears in the child output').toBe(false);
  expect(run.output, 'a JWT appears in the child output').not.toMatch(JWT_SHAPE);
}

describe('Entra ID token from a local OpenID authority over HTTPS', () => {
  let authority: OidcAuthority;
  let bearer: Awaited<ReturnType<typeof startBearerCheck>>;
  const servicePrincipal = (overrides: Record<string, string> = {}) => ({
    AZURE_TENANT_ID: TENANT,
    AZURE_CLIENT_ID: CLIENT,
    AZURE_CLIENT_SECRET: SECRET,
    AZURE_AUTHORITY_HOST: authority.authorityHost,
    NODE_EXTRA_CA_CERTS: authority.caFile,
    [PROBE_URL_VARIABLE]: bearer.url,
    ...overrides,
  });

  beforeAll(async () => {
    authority = await startOidcAuthority({ tenantId: TENANT, clients: { [CLIENT]: SECRET } });
    bearer = await startBearerCheck(authority);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (bearer ? bearer.server.close(() => resolve()) : resolve()));
    await authority?.stop();
  });

  test('EnvironmentCredential gets a token for Fabric from the authority, with its expiry, and the HTTP client presents it as a bearer the server accepts', async () => {
    const issuedBefore = authority.issued;
    const run = await runProbe(servicePrincipal());

    expect(run.code, run.output).toBe(0);
    expect(run.line).toMatchObject({ ok: true, credential: 'EnvironmentCredential', kind: 'service-principal', status: 200, answer: 'token ok' });
    // Entra ID's expires_in (the authority's 3600 s): an expiry near an hour ahead, not a default.
    expect(run.line.expiresOn).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(run.line.expiresOn).toBeLessThan(Date.now() + 2 * 3600_000);
    expect(authority.issued).toBe(issuedBefore + 1);
    expect(bearer.seen).toContainEqual({ hash: run.line.tokenSha256, valid: true, problem: undefined, aud: FABRIC_API_RESOURCE });
    expectNoSecretIn(run, [SECRET]);
  });

  test('a wrong client secret is refused by the authority: the run fails in seconds naming EnvironmentCredential and the AADSTS code, no bearer sent', async () => {
    const wrong = `sec~${randomBytes(18).toString('base64url')}`;
    const [refusedBefore, seenBefore] = [authority.refused, bearer.seen.length];
    const run = await runProbe(servicePrincipal({ AZURE_CLIENT_SECRET: wrong }));

    expect(run.code, run.output).toBe(1);
    expect(run.line.ok).toBe(false);
    expect(run.line.error).toMatch(/^EnvironmentCredential could not get a token for https:\/\/api\.fabric\.microsoft\.com\/\.default after \d+ ms: /);
    expect(run.line.error).toMatch(/EnvironmentCredential failed: invalid_client: AADSTS7000215: Invalid client secret provided\./);
    // The chain stops at a configured credential that is refused, as DefaultAzureCredential does: no CLI tried.
    expect(run.line.error).toMatch(
      /not tried \(DefaultAzureCredential stops at a configured credential that fails\): WorkloadIdentityCredential, .*AzureCliCredential/,
    );
    expect(run.line.elapsedMs).toBeLessThan(PROBE_TIMEOUT_MS);
    expect(authority.refused).toBe(refusedBefore + 1);
    expect(bearer.seen.length).toBe(seenBefore);
    expectNoSecretIn(run, [wrong, SECRET]);
  });

  test('an authority whose certificate is not trusted (no NODE_EXTRA_CA_CERTS): refused by TLS, not bypassed, the run fails naming EnvironmentCredential and the cause', async () => {
    const issuedBefore = authority.issued;
    const { NODE_EXTRA_CA_CERTS: _ca, ...untrusted } = servicePrincipal();
    const run = await runProbe(untrusted);

    expect(run.code, run.output).toBe(1);
    expect(run.line.error).toMatch(/EnvironmentCredential failed: endpoints_resolution_error: .*its certificate not trusted \(NODE_EXTRA_CA_CERTS\)/);
    expect(run.line.elapsedMs).toBeLessThan(PROBE_TIMEOUT_MS);
    expect(authority.issued).toBe(issuedBefore);
    expectNoSecretIn(run, [SECRET]);
  });

  test('an authority that accepts TCP and never answers: the run fails within its deadline, naming EnvironmentCredential as timed out', async () => {
    const silent = await startSilentAuthority();
    try {
      const timeoutMs = 3000;
      const run = await runProbe(servicePrincipal({ AZURE_AUTHORITY_HOST: silent.host, [PROBE_TIMEOUT_VARIABLE]: String(timeoutMs) }));

      expect(run.code, run.output).toBe(1);
      expect(run.line.error).toMatch(/^no credential gave a token for https:\/\/api\.fabric\.microsoft\.com\/\.default within 3000 ms/);
      expect(run.line.error).toMatch(/EnvironmentCredential timed out: no answer within \d+ ms/);
      expect(run.line.elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 50);
      expect(run.line.elapsedMs).toBeLessThan(timeoutMs + 2000);
      expectNoSecretIn(run, [SECRET]);
    } finally {
      silent.close();
    }
  });
});
