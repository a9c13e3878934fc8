// Small loads for the self tests' runs of the suite: the same checks, on a few hundred events, so a child run takes seconds.

/** The burst, paced and round-trip counts of a quick run. */
export const QUICK = { READINESS_BURST_EVENTS: '500', READINESS_PACED_EVENTS: '2', READINESS_ROUND_TRIP_EVENTS: '20' } as const;

/** A pipeline's runs of --project fabric (fabric-run, html-report): three paced orders. */
export const QUICK_PIPELINE = { ...QUICK, READINESS_PACED_EVENTS: '3' } as const;

/** Pipeline runs slowed on purpose (html-report): the burst floor is lowered so they still pass on a busy 2-core machine. */
export const QUICK_SLOWED = { ...QUICK_PIPELINE, READINESS_BURST_MIN_EVENTS_PER_SEC: '1' } as const;

/** The emulator-shaped listener (SASL_PLAINTEXT): a smaller burst and round trip. */
export const QUICK_EMULATOR = { ...QUICK, READINESS_BURST_EVENTS: '300', READINESS_ROUND_TRIP_EVENTS: '10' } as const;

/** The round trip through a relay (LOCAL_RELAY): enough events over three keys that per-key order can be judged. */
export const QUICK_RELAY = { ...QUICK, READINESS_BURST_EVENTS: '300', READINESS_ROUND_TRIP_EVENTS: '24', READINESS_ROUND_TRIP_KEYS: '3' } as const;
