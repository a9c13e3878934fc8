// Writes report files; a failure late in a run becomes one line and a failing exit code, never a hang or a raw stack.
import { appendFileSync, writeFileSync } from 'node:fs';
import { redact } from '../core/redact.js';

/** Says which report could not be written and why, and makes the run exit non-zero whatever the checks said. */
export function reportWriteFailed(file: string, error: unknown, verdict?: string): void {
  const e = error as NodeJS.ErrnoException;
  const why = e.code ? `${e.code}: ${e.message}` : (e.message ?? String(error));
  const judged = verdict ? ` (the checks' verdict was ${verdict})` : '';
  process.stderr.write(`READINESS report NOT written: ${redact(file)}: ${redact(why.split('\n')[0] ?? '')}${judged}\n`);
  process.exitCode = 1;
}

/** Writes (or appends to) one report file; false when it failed (already reported). */
export function writeReportFile(file: string, content: string, options: { append?: boolean; verdict?: string } = {}): boolean {
  try {
    if (options.append) appendFileSync(file, content);
    else writeFileSync(file, content);
    return true;
  } catch (error) {
    reportWriteFailed(file, error, options.verdict);
    return false;
  }
}
