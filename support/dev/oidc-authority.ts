// A local OpenID authority over HTTPS for offline tests of Entra ID sign-in: oauth2-mock-server behind a certificate
// from a run-local CA, answering MSAL on Entra ID's tenant paths and refusing a wrong client secret as Entra ID does.
import { createPublicKey, verify as verifySignature, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuth2Server, type MutableResponse, type MutableToken, type TokenRequestIncomingMessage } from 'oauth2-mock-server';
import { createCa, issueServerCert } from '../broker/certs.js';
import { own } from '../core/cleanup.js';
import { withDeadline } from '../core/deadline.js';

export interface OidcAuthorityOptions {
  readonly tenantId: string;
  /** Client id -> client secret. A token request with any other pair is refused (401 invalid_client, AADSTS7000215). */
  readonly clients: Readonly<Record<string, string>>;
}

export interface TokenVerdict {
  readonly valid: boolean;
  /** Why not, without the token. */
  readonly problem?: string;
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface OidcAuthority {
  /** For AZURE_AUTHORITY_HOST: https://localhost:PORT. */
  readonly authorityHost: string;
  /** The `iss` of every token it signs (Entra ID's v2 form: <authority>/<tenant>/v2.0). */
  readonly issuer: string;
  /** The run-local CA's certificate (PEM file), for NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  /** Token requests answered with a token, and refused. */
  readonly issued: number;
  readonly refused: number;
  /** Checks a bearer token: a JWT signed by one of this authority's keys, with its issuer. */
  verify(token: string): TokenVerdict;
  stop(): Promise<void>;
}

/** Entra ID's answer to a wrong client secret (the shape MSAL parses: error, error_description, error_codes). */
const INVALID_CLIENT = {
  error: 'invalid_client',
  error_description:
    'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
  error_codes: [7000215],
};

function writeCertificates(dir: string): { keyFile: string; certFile: string; caFile: string } {
  const ca = createCa('eventstream-readiness local OpenID authority CA');
  const server = issueServerCert(ca, { hosts: ['localhost', '127.0.0.1'] });
  const files = { keyFile: join(dir, 'authority-key.pem'), certFile: join(dir, 'authority-cert.pem'), caFile: join(dir, 'ca.pem') };
  writeFileSync(files.keyFile, server.keyPem, { mode: 0o600 });
  writeFileSync(files.certFile, server.certPem);
  writeFileSync(files.caFile, ca.certPem);
  return files;
}

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function verifyWith(keys: readonly JsonWebKey[], issuer: string, token: string): TokenVerdict {
  const parts = token.split('.');
  const [header, payload] = [decodePart(parts[0]), decodePart(parts[1])];
  if (parts.length !== 3 || !header || !payload) return { valid: false, problem: 'not a JWT (three base64url parts with JSON header and payload)' };
  const key = keys.find((k) => k.kid === header.kid);
  if (!key || header.alg !== 'RS256')
    return { valid: false, problem: `signed with a key this authority does not hold (kid ${String(header.kid)}, alg ${String(header.alg)})` };
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const good = verifySignature('RSA-SHA256', signed, createPublicKey({ key, format: 'jwk' }), Buffer.from(parts[2] ?? '', 'base64url'));
  if (!good) return { valid: false, problem: 'the signature does not verify with the authority key' };
  if (payload.iss !== issuer) return { valid: false, problem: `issued by ${String(payload.iss)}, not ${issuer}` };
  return { valid: true, claims: payload };
}

/** Starts the authority on 127.0.0.1 (a free port), its certificate for localhost and 127.0.0.1. Bounded: 15 s. */
export async function startOidcAuthority(options: OidcAuthorityOptions): Promise<OidcAuthority> {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-authority-'));
  const owned = own({ dir });
  try {
    const files = writeCertificates(dir);
    const tenant = encodeURIComponent(options.tenantId);
    // MSAL asks /<tenant>/v2.0/.well-known/openid-configuration, then posts to the token_endpoint it names.
    const server = new OAuth2Server(files.keyFile, files.certFile, {
      endpoints: {
        wellKnownDocument: `/${tenant}/v2.0/.well-known/openid-configuration`,
        token: `/${tenant}/oauth2/v2.0/token`,
        jwks: `/${tenant}/discovery/v2.0/keys`,
      },
    });
    await server.issuer.keys.generate('RS256');
    await withDeadline(server.start(0, '127.0.0.1'), 15000, 'starting the local OpenID authority');
    const authorityHost = `https://localhost:${server.address().port}`;
    const issuer = `${authorityHost}/${tenant}/v2.0`;
    const counts = { issued: 0, refused: 0 };
    shapeTokens(server, { tenantId: options.tenantId, issuer, clients: options.clients, counts });
    return {
      authorityHost,
      issuer,
      caFile: files.caFile,
      get issued() {
        return counts.issued;
      },
      get refused() {
        return counts.refused;
      },
      verify: (token) => verifyWith(server.issuer.keys.toJSON(), issuer, token),
      stop: async () => {
        if (server.listening) await withDeadline(server.stop(), 5000, 'stopping the local OpenID authority').catch(() => undefined);
        await owned.release(0);
      },
    };
  } catch (error) {
    await owned.release(0);
    throw error;
  }
}

interface Shaping {
  readonly tenantId: string;
  readonly issuer: string;
  readonly clients: Readonly<Record<string, string>>;
  readonly counts: { issued: number; refused: number };
}

/** Tokens carry Entra ID's claims (iss, aud from the scope, tid, appid); a wrong client id or secret is refused. */
function shapeTokens(server: OAuth2Server, shaping: Shaping): void {
  server.service.on('beforeTokenSigning', (token: MutableToken, req: TokenRequestIncomingMessage) => {
    const scope = typeof req.body.scope === 'string' ? req.body.scope : '';
    const clientId = typeof req.body.client_id === 'string' ? req.body.client_id : undefined;
    Object.assign(token.payload, {
      iss: shaping.issuer,
      aud: scope.split(' ')[0]?.replace(/\/\.default$/, ''),
      tid: shaping.tenantId,
      appid: clientId,
      azp: clientId,
      sub: clientId,
      idtyp: 'app',
    });
  });
  server.service.on('beforeResponse', (response: MutableResponse, req: TokenRequestIncomingMessage) => {
    const body = req.body as unknown as Record<string, unknown>;
    const clientId = typeof body.client_id === 'string' ? body.client_id : '';
    const known = Object.hasOwn(shaping.clients, clientId) && shaping.clients[clientId] === body.client_secret;
    if (known) {
      shaping.counts.issued += 1;
      return;
    }
    shaping.counts.refused += 1;
    response.statusCode = 401;
    response.body = { ...INVALID_CLIENT };
  });
}
