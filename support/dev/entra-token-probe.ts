// Child process of the Entra ID self test: gets Fabric's token as a run would (fabricTokenSource over this process's
// environment, NODE_EXTRA_CA_CERTS trusting a local authority) and presents it as a bearer to ENTRA_PROBE_URL.
// It prints one JSON line: the credential, the expiry, a hash of the token and the server's answer; never the token.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redact } from '../core/redact.js';
import { fabricTokenSource } from '../fabric/identity.js';

/** The line the child prints: what the test reads. */
export interface ProbeLine {
  readonly ok: boolean;
  readonly credential?: string;
  readonly kind?: string;
  readonly expiresOn?: number;
  /** First 16 hex digits of the token's SHA-256: the test compares it with what the server saw. */
  readonly tokenSha256?: string;
  readonly status?: number;
  readonly answer?: string;
  readonly error?: string;
  readonly elapsedMs: number;
}

export const PROBE_URL_VARIABLE = 'ENTRA_PROBE_URL';
export const PROBE_TIMEOUT_VARIABLE = 'ENTRA_PROBE_TIMEOUT_MS';

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex').slice(0, 16);

async function probe(url: string, timeoutMs: number): Promise<Omit<ProbeLine, 'elapsedMs'>> {
  const token = await fabricTokenSource({ env: process.env, timeoutMs }).getToken();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token.token}` }, signal: AbortSignal.timeout(timeoutMs) });
  const answer = redact(await response.text());
  return {
    ok: response.ok,
    credential: token.credential,
    kind: token.kind,
    expiresOn: token.expiresOn,
    tokenSha256: tokenHash(token.token),
    status: response.status,
    answer,
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const url = process.env[PROBE_URL_VARIABLE];
  const timeoutMs = Number(process.env[PROBE_TIMEOUT_VARIABLE] ?? 10000);
  let line: ProbeLine;
  try {
    if (!url) throw new Error(`${PROBE_URL_VARIABLE}: expected the URL of the test's bearer-checking server, found nothing`);
    line = { ...(await probe(url, timeoutMs)), elapsedMs: Math.round(performance.now() - started) };
  } catch (error) {
    line = { ok: false, error: redact(error instanceof Error ? error.message : String(error)), elapsedMs: Math.round(performance.now() - started) };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
  process.exitCode = line.ok ? 0 : 1;
}

// Run as a script (node --import tsx this-file), not when the test imports its types and helpers.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
