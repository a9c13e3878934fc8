// The run journal: each finished check appends a line, so the readiness checks (run last) can see the others' results.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { redact } from '../core/redact.js';
import type { CheckEntry } from '../report/model.js';

export function appendJournal(file: string, entry: CheckEntry): void {
  appendFileSync(file, `${redact(JSON.stringify(entry))}\n`);
}

/** Entries in the order they finished; the last entry per test id wins. */
export function readJournal(file: string): CheckEntry[] {
  if (!existsSync(file)) return [];
  const byKey = new Map<string, CheckEntry>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as CheckEntry;
    byKey.set(`${e.file}::${e.name}`, e);
  }
  return [...byKey.values()];
}
