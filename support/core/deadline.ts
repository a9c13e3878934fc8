// Bounds every network wait: a gate that hangs is worse than one that fails.

export class DeadlineError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/** Resolves like `work`, or rejects with DeadlineError after `ms`; `onTimeout` may release resources. */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new DeadlineError(what, ms));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds since `start` (from performance.now()), rounded to 0.1 ms. */
export function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

/** Connects a kafkajs producer, consumer or admin (the login) within `ms`, or rejects with DeadlineError naming `what`. */
export function connectWithin(client: { connect(): Promise<void> }, ms: number, what: string): Promise<void> {
  return withDeadline(client.connect(), ms, what);
}

/**
 * Disconnects a kafkajs client within `ms` and never rejects: it runs in `finally` blocks, where a slow or failed
 * disconnect must neither hang the run nor hide the error that got us there.
 */
export async function disconnectWithin(client: { disconnect(): Promise<void> }, ms: number): Promise<void> {
  await withDeadline(client.disconnect(), ms, 'disconnect').catch(() => undefined);
}
