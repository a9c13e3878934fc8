// Values as people read them: a measured number is finite or "n/a", never NaN, Infinity or undefined.

/** What a check measured or was held to, by name. */
export type Measured = Record<string, string | number | boolean>;

/** Shown where a value could not be measured (e.g. a latency percentile of zero acknowledged events). */
export const NOT_AVAILABLE = 'n/a';

export function readableValue(value: unknown): string | number | boolean {
  if (typeof value === 'number') return Number.isFinite(value) ? value : NOT_AVAILABLE;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value === undefined || value === null) return NOT_AVAILABLE;
  if (typeof value === 'bigint' || typeof value === 'symbol') return value.toString();
  return JSON.stringify(value) ?? NOT_AVAILABLE;
}

/** Every value made readable; keys kept in order. */
export function readableValues(values: Readonly<Record<string, unknown>>): Measured {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, readableValue(v)]));
}

/** "k=v, k=v" for failure messages. */
export function formatMeasured(values: Readonly<Record<string, unknown>>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${readableValue(v)}`)
    .join(', ');
}
