// Start-up with port retries, shared by the JVM and the container broker: a port picked free can be taken before it is bound.

/** A failed start-up attempt that lost its port to someone else; `failure` is what to report if no attempt is left. */
export class PortTaken extends Error {
  constructor(
    readonly failure: unknown,
    /** The port that was taken, where known. */
    readonly port?: number,
  ) {
    super('the port was taken between picking and binding it');
  }
}

export interface PortRetryPlan<T> {
  /** Attempts in all. */
  readonly attempts: number;
  /** One start-up on freshly picked ports. On failure it releases what it started and throws; PortTaken when the port was taken. */
  readonly attempt: (attempt: number) => Promise<T>;
  /** Puts back what a failed attempt's cleanup removed (the broker's dir, with its CA and keystore), and says it retries. */
  readonly beforeRetry: (next: number, taken: PortTaken) => void;
}

/** Runs `attempt` until one starts, retrying only a taken port, at most `attempts` times. */
export async function startWithPortRetries<T>(plan: PortRetryPlan<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await plan.attempt(attempt);
    } catch (error) {
      if (!(error instanceof PortTaken)) throw error;
      if (attempt >= plan.attempts) throw error.failure;
      plan.beforeRetry(attempt + 1, error);
    }
  }
}
