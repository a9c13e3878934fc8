// Every event the suite writes is marked (a header and a top-level field), so a destination can filter test traffic out.

/** The top-level JSON field every test event carries: "<check id>/<run id>". */
export const MARKER_FIELD = 'readinessTest';
/** The Kafka record header with the same value, for consumers that filter on headers. */
export const MARKER_HEADER = 'readiness-test';

/** Which run and which check wrote an event. */
export interface Marker {
  readonly runId: string;
  readonly check: string;
}

export function markerValue(m: Marker): string {
  return `${m.check}/${m.runId}`;
}

export function markerHeaders(m: Marker): Record<string, string> {
  return { [MARKER_HEADER]: markerValue(m) };
}
