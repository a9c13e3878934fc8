// Reads events back as an Eventstream destination may deliver them: one JSON object, JSON lines, or a JSON array per record.

/** The JSON objects one destination record holds, in order; text that is none of the three shapes gives none. */
export function eventsInRecord(value: string): Array<Record<string, unknown>> {
  const text = value.trim();
  if (!text) return [];
  const objects = (xs: unknown[]) => xs.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x));
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? objects(parsed) : objects([parsed]);
  } catch {
    // Not one JSON document: JSON lines, one object per line (a re-batching processor writes those).
  }
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      return [];
    }
  }
  return objects(out);
}

/** How one event was delivered: the shape of the record it came in. */
export type RecordShape = 'object' | 'json-lines' | 'json-array';

export function shapeOf(value: string): RecordShape | undefined {
  const text = value.trim();
  if (text.startsWith('[')) return 'json-array';
  if (text.startsWith('{') && text.includes('\n')) {
    try {
      JSON.parse(text);
      return 'object';
    } catch {
      return 'json-lines';
    }
  }
  return text.startsWith('{') ? 'object' : undefined;
}
