// Progress lines on stderr (`[readiness <profile>] ...`): what a person watching a long run sees, and what self tests wait on.
import { redact } from './redact.js';

/** Writes one progress line, redacted; `profile` names the run ("fabric", "local"). */
export function progressLine(profile: string, text: string): void {
  process.stderr.write(`[readiness ${profile}] ${redact(text)}\n`);
}

/**
 * Reports a running count: the first call prints at once (so a watcher learns the phase has begun),
 * later calls at most once per `intervalMs`, and `done` always prints the final count.
 */
export class ProgressTicker {
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly print: (text: string) => void,
    private readonly intervalMs = 1000,
  ) {}

  tick(text: () => string, now = performance.now()): void {
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.print(text());
  }

  done(text: string): void {
    this.print(text);
  }
}
