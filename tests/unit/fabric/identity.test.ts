// Fabric's bearer token: FABRIC_API_TOKEN read (not verified) for expiry and audience; the credential chain in
// DefaultAzureCredential's order, naming the credential that answered; one bounded, redacted error when none does.
import { randomBytes } from 'node:crypto';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { describe, expect, test } from 'vitest';
import { redact } from '../../../support/core/redact.js';
import { FABRIC_API_RESOURCE, FABRIC_API_SCOPE } from '../../../support/facts/fabric-api.js';
import {
  audienceWarning,
  authorityOptions,
  CREDENTIAL_ORDER,
  defaultCredentialChain,
  fabricTokenSource,
  FabricIdentityError,
  firstToken,
  identityKind,
  readJwtClaims,
  tokenWarnings,
  type CredentialLink,
} from '../../../support/fabric/identity.js';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An unsigned JWT-shaped token with a random signature part (the suite reads claims, never verifies them). */
const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.${randomBytes(24).toString('base64url')}`;
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

/** A fake credential: answers a token, says it is unavailable, is refused, or never answers; records its calls. */
class FakeCredential implements TokenCredential {
  readonly calls: { scopes: string | string[]; options?: GetTokenOptions }[] = [];
  constructor(private readonly behaviour: { token?: string; expiresOn?: number; unavailable?: string; refused?: string; hang?: true }) {}
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    this.calls.push({ scopes, options });
    const b = this.behaviour;
    if (b.hang) return new Promise(() => undefined);
    if (b.unavailable) throw Object.assign(new Error(b.unavailable), { name: 'CredentialUnavailableError' });
    if (b.refused) throw Object.assign(new Error(b.refused), { name: 'AuthenticationError' });
    return { token: b.token ?? jwt({ aud: FABRIC_API_RESOURCE }), expiresOnTimestamp: b.expiresOn ?? Date.now() + 3600_000 };
  }
}

const link = (name: string, credential: FakeCredential): CredentialLink => ({ name, credential });

describe('FABRIC_API_TOKEN: used as is, its claims read', () => {
  test('a JWT for Fabric: credential FABRIC_API_TOKEN, expiry from exp, no warning', async () => {
    const exp = inAnHour();
    const token = jwt({ aud: FABRIC_API_RESOURCE, exp });
    const got = await fabricTokenSource({ token, env: {}, timeoutMs: 1000 }).getToken();
    expect(got).toEqual({ token, expiresOn: exp * 1000, credential: 'FABRIC_API_TOKEN', kind: 'token', warnings: [] });
  });

  test('taken from env.FABRIC_API_TOKEN, and it wins over an injected credential, which is never asked', async () => {
    const token = jwt({ aud: FABRIC_API_RESOURCE, exp: inAnHour() });
    const credential = new FakeCredential({});
    const got = await fabricTokenSource({ env: { FABRIC_API_TOKEN: token }, credential, timeoutMs: 1000 }).getToken();
    expect(got.credential).toBe('FABRIC_API_TOKEN');
    expect(credential.calls).toHaveLength(0);
  });

  test("a token for Power BI's audience gets a warning naming both audiences; the token is registered as a secret", async () => {
    const token = jwt({ aud: 'https://analysis.windows.net/powerbi/api', exp: inAnHour() });
    expect(audienceWarning(token)).toMatch(/audience is https:\/\/analysis\.windows\.net\/powerbi\/api, not https:\/\/api\.fabric\.microsoft\.com/);
    const got = await fabricTokenSource({ token, env: {}, timeoutMs: 1000 }).getToken();
    expect(got.warnings).toEqual([audienceWarning(token)]);
    expect(redact(`Authorization: Bearer ${token}`)).toBe('Authorization: Bearer ***');
  });

  test('an expired JWT is said to be expired; an aud with a trailing slash or in a list is Fabric', () => {
    const now = Date.now();
    expect(tokenWarnings(jwt({ aud: FABRIC_API_RESOURCE, exp: Math.floor(now / 1000) - 600 }), now)).toEqual([expect.stringMatching(/expired 10 min ago/)]);
    expect(audienceWarning(jwt({ aud: `${FABRIC_API_RESOURCE}/` }))).toBeUndefined();
    expect(audienceWarning(jwt({ aud: ['other', FABRIC_API_RESOURCE] }))).toBeUndefined();
  });

  test('an opaque token: used as is, no expiry, no claims, no warning', async () => {
    const token = `opaque-${randomBytes(16).toString('hex')}`;
    expect(readJwtClaims(token)).toBeUndefined();
    expect(await fabricTokenSource({ token, env: {}, timeoutMs: 1000 }).getToken()).toEqual({
      token,
      expiresOn: undefined,
      credential: 'FABRIC_API_TOKEN',
      kind: 'token',
      warnings: [],
    });
  });
});

describe('an injected credential', () => {
  test("is asked for Fabric's scope and named by its class; its token is reused until near expiry", async () => {
    const credential = new FakeCredential({});
    const source = fabricTokenSource({ env: {}, credential, timeoutMs: 1000 });
    const [a, b] = await Promise.all([source.getToken(), source.getToken()]);
    expect(a.credential).toBe('FakeCredential');
    expect(b).toBe(a);
    expect(credential.calls.map((c) => c.scopes)).toEqual([FABRIC_API_SCOPE]);
    expect(redact(a.token)).toBe('***');
  });

  test('a token within five minutes of its expiry is fetched again', async () => {
    const credential = new FakeCredential({ expiresOn: Date.now() + 60_000 });
    const source = fabricTokenSource({ env: {}, credential, timeoutMs: 1000 });
    await source.getToken();
    await source.getToken();
    expect(credential.calls).toHaveLength(2);
  });
});

describe('the chain: DefaultAzureCredential order, the answering credential named', () => {
  test('built from env in the order EnvironmentCredential, WorkloadIdentity, ManagedIdentity, AzureCli, AzurePowerShell, AzureDeveloperCli', () => {
    const chain = defaultCredentialChain({}, { timeoutMs: 1000 });
    expect(chain.map((l) => l.name)).toEqual([...CREDENTIAL_ORDER]);
    expect(chain.map((l) => l.name)).toEqual([
      'EnvironmentCredential',
      'WorkloadIdentityCredential',
      'ManagedIdentityCredential',
      'AzureCliCredential',
      'AzurePowerShellCredential',
      'AzureDeveloperCliCredential',
    ]);
  });

  test('without service principal variables, EnvironmentCredential and WorkloadIdentityCredential say which variables are missing', () => {
    const [env, workload] = defaultCredentialChain({ AZURE_CLIENT_ID: 'app' }, { timeoutMs: 1000 });
    expect(env?.unavailable).toBe('AZURE_TENANT_ID, AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH not set');
    expect(workload?.unavailable).toBe('AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE not set');
  });

  test('with AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, EnvironmentCredential is configured and the secret registered', () => {
    const secret = `sec~${randomBytes(12).toString('hex')}`;
    const [env] = defaultCredentialChain({ AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: 'app', AZURE_CLIENT_SECRET: secret }, { timeoutMs: 1000 });
    expect(env?.credential).toBeDefined();
    expect(redact(`secret ${secret}`)).toBe('secret ***');
  });

  test('the first credential that answers gives the token; those before it were asked, those after it not', async () => {
    const fakes = [
      new FakeCredential({ unavailable: 'not set' }),
      new FakeCredential({ unavailable: 'no IMDS' }),
      new FakeCredential({}),
      new FakeCredential({}),
    ];
    const got = await firstToken(
      fakes.map((f, i) => link(['EnvironmentCredential', 'ManagedIdentityCredential', 'AzureCliCredential', 'AzureDeveloperCliCredential'][i] ?? '', f)),
      { timeoutMs: 1000 },
    );
    expect(got.credential).toBe('AzureCliCredential');
    expect(fakes.map((f) => f.calls.length)).toEqual([1, 1, 1, 0]);
  });

  test('a configured credential that is refused ends the chain, named with its reason (as DefaultAzureCredential does)', async () => {
    const after = new FakeCredential({});
    const error = await firstToken(
      [link('EnvironmentCredential', new FakeCredential({ refused: 'AADSTS7000215: Invalid client secret provided.' })), link('AzureCliCredential', after)],
      {
        timeoutMs: 1000,
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FabricIdentityError);
    expect((error as Error).message).toMatch(
      /^EnvironmentCredential could not get a token for https:\/\/api\.fabric\.microsoft\.com\/\.default after \d+ ms: /,
    );
    expect((error as Error).message).toMatch(
      /EnvironmentCredential failed: AADSTS7000215: Invalid client secret provided\.; not tried \(DefaultAzureCredential stops at a configured credential that fails\): AzureCliCredential$/,
    );
    expect((error as FabricIdentityError).attempts.map((a) => `${a.name} ${a.outcome}`)).toEqual([
      'EnvironmentCredential failed',
      'AzureCliCredential not tried',
    ]);
    expect(after.calls).toHaveLength(0);
  });

  test('total failure: one error listing every credential and why it was unavailable, short', async () => {
    const links: CredentialLink[] = [
      { name: 'EnvironmentCredential', unavailable: 'AZURE_TENANT_ID, AZURE_CLIENT_ID not set' },
      link(
        'ManagedIdentityCredential',
        new FakeCredential({ unavailable: 'ManagedIdentityCredential: Attempted to use the IMDS endpoint, but it is not available.' }),
      ),
      link(
        'AzureCliCredential',
        new FakeCredential({ unavailable: `Azure CLI could not be found. To troubleshoot, visit https://aka.ms/x. ${'detail '.repeat(80)}` }),
      ),
    ];
    const error = (await firstToken(links, { timeoutMs: 1000 }).catch((e: unknown) => e)) as FabricIdentityError;
    expect(error.message).toMatch(/^no credential gave a token for https:\/\/api\.fabric\.microsoft\.com\/\.default \(FABRIC_API_TOKEN not set/);
    expect(error.attempts.map((a) => `${a.name} ${a.outcome}`)).toEqual([
      'EnvironmentCredential unavailable',
      'ManagedIdentityCredential unavailable',
      'AzureCliCredential unavailable',
    ]);
    expect(error.message).toContain('EnvironmentCredential unavailable: AZURE_TENANT_ID, AZURE_CLIENT_ID not set');
    expect(error.message).toContain('AzureCliCredential unavailable: Azure CLI could not be found.');
    expect(error.message).not.toContain('aka.ms');
    expect(error.message.length).toBeLessThan(600);
  });

  test('a credential that never answers is cut at the deadline (its request aborted), the rest not tried', async () => {
    const hanging = new FakeCredential({ hang: true });
    const started = performance.now();
    const error = (await firstToken([link('ManagedIdentityCredential', hanging), link('AzureCliCredential', new FakeCredential({}))], { timeoutMs: 300 }).catch(
      (e: unknown) => e,
    )) as FabricIdentityError;
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error.attempts.map((a) => a.outcome)).toEqual(['timed out', 'not tried']);
    expect(error.message).toMatch(/^no credential gave a token for https:\/\/api\.fabric\.microsoft\.com\/\.default within 300 ms after \d+ ms: /);
    expect(error.message).toMatch(
      /ManagedIdentityCredential timed out: no answer within \d+ ms; not tried \(the 300 ms for a token were spent\): AzureCliCredential$/,
    );
    expect(hanging.calls[0]?.options?.abortSignal?.aborted).toBe(true);
  });

  test("MSAL's bare error codes are put in words with their likely causes; troubleshooting links dropped", async () => {
    const msal = 'endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details';
    const error = (await firstToken([link('EnvironmentCredential', new FakeCredential({ refused: msal }))], { timeoutMs: 1000 }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error.message).toMatch(
      /EnvironmentCredential failed: endpoints_resolution_error: the authority's OpenID configuration .* could not be read: authority unreachable, its certificate not trusted \(NODE_EXTRA_CA_CERTS\), or a wrong AZURE_TENANT_ID$/,
    );
    expect(error.message).not.toContain('aka.ms');
    const entra =
      'invalid_client: Error(s): 7000215 - Timestamp: 2026-11-30 19:40:00Z - Description: AADSTS7000215: Invalid client secret provided. ' +
      'Trace ID: 1f0c Correlation ID: 9a2b Timestamp: 2026-11-30 19:40:00Z - Correlation ID: 9a2b - Trace ID: 1f0c';
    const refused = (await firstToken([link('EnvironmentCredential', new FakeCredential({ refused: entra }))], { timeoutMs: 1000 }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(refused.message).toMatch(/EnvironmentCredential failed: invalid_client: AADSTS7000215: Invalid client secret provided\.$/);
  });

  test('secrets never reach the message: a registered client secret and a token quoted by a credential error are masked', async () => {
    const secret = `sec~${randomBytes(12).toString('hex')}`;
    const leaked = jwt({ aud: FABRIC_API_RESOURCE });
    // Building the chain from env registers the client secret, before any credential can quote it.
    defaultCredentialChain({ AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: 'app', AZURE_CLIENT_SECRET: secret }, { timeoutMs: 1000 });
    const answered = await firstToken([link('AzureCliCredential', new FakeCredential({ token: leaked }))], { timeoutMs: 1000 });
    const refused = new FakeCredential({ refused: `AADSTS7000215 for secret ${secret}, last token ${answered.token}` });
    const error = (await firstToken([link('EnvironmentCredential', refused)], { timeoutMs: 1000 }).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('AADSTS7000215 for secret ***, last token ***');
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(leaked);
  });
});

describe('the authority and the identity kind', () => {
  test.each([
    ['https://login.microsoftonline.com', false],
    ['https://login.microsoftonline.us/', false],
    ['https://login.chinacloudapi.cn', false],
    ['https://login.partner.microsoftonline.cn', false],
    ['https://localhost:8443', true],
    ['https://login.example.test', true],
  ])('AZURE_AUTHORITY_HOST %s: instance discovery off = %s', (host, off) => {
    const options = authorityOptions({ AZURE_AUTHORITY_HOST: host });
    expect(options.authorityHost).toBe(new URL(host).origin);
    expect(options.disableInstanceDiscovery === true).toBe(off);
  });

  test('no AZURE_AUTHORITY_HOST: MSAL defaults; an http or malformed one is refused naming the variable', async () => {
    expect(authorityOptions({})).toEqual({});
    expect(() => authorityOptions({ AZURE_AUTHORITY_HOST: 'http://localhost:8080' })).toThrow(/^AZURE_AUTHORITY_HOST: expected an https URL/);
    const error = (await fabricTokenSource({ env: { AZURE_AUTHORITY_HOST: 'login.microsoftonline.com' }, timeoutMs: 1000 })
      .getToken()
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^AZURE_AUTHORITY_HOST: expected an https URL .* found "login\.microsoftonline\.com"/);
  });

  test.each([
    ['FABRIC_API_TOKEN', undefined, 'token'],
    ['EnvironmentCredential', undefined, 'service-principal'],
    ['WorkloadIdentityCredential', undefined, 'service-principal'],
    ['ManagedIdentityCredential', undefined, 'service-principal'],
    ['AzureCliCredential', undefined, 'user'],
    ['AzureDeveloperCliCredential', undefined, 'user'],
    ['AzurePowerShellCredential', undefined, 'user'],
    ['AzureCliCredential', jwt({ scp: 'user_impersonation', upn: 'a@b.c' }), 'user'],
    ['AzureCliCredential', jwt({ idtyp: 'app', appid: 'x' }), 'service-principal'],
  ] as const)('%s (token %#) is a %s', (name, token, kind) => {
    expect(identityKind(name, token)).toBe(kind);
  });
});
