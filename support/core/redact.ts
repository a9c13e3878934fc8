// Keeps secrets out of every message, log line and report: redaction happens here and nowhere else.

const MASK = '***';

/**
 * Key=value parts of a connection string that are secret wherever they appear. A value in angle brackets is a
 * placeholder in a format hint (`SharedAccessKey=<key>`), never a key: base64 has no `<`.
 */
const SECRET_PARTS = /\b(SharedAccessKey|SharedAccessSignature|AccountKey|Password|sig)=([^;\s"'<][^;\s"']*)/gi;

const known = new Set<string>();

/** Registers a value that must never be printed (a password, a connection string and its key). */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 4) return;
  known.add(value);
  for (const match of value.matchAll(SECRET_PARTS)) {
    if (match[2] && match[2].length >= 4) known.add(match[2]);
  }
}

/** Replaces every registered secret and every SharedAccessKey-like part of the text. */
export function redact(text: string, extraSecrets: readonly (string | undefined)[] = []): string {
  let out = text;
  const secrets = [...known, ...extraSecrets.filter((s): s is string => !!s && s.length >= 4)];
  // Longest first, so a connection string is masked whole rather than around its key.
  secrets.sort((a, b) => b.length - a.length);
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out.replace(SECRET_PARTS, (_m, name: string) => `${name}=${MASK}`);
}

/** An Error whose message and stack have been redacted; the cause chain is dropped on purpose. */
export function redactError(error: unknown): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const clean = new Error(redact(source.message));
  clean.name = source.name;
  clean.stack = source.stack ? redact(source.stack) : undefined;
  return clean;
}
