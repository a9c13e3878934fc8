// Guarantees that broker processes and temp dirs we start are gone: on stop, on exit, on Ctrl-C, even on SIGKILL of us.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

interface Owned {
  readonly child?: ChildProcess;
  readonly dir?: string;
}

const owned = new Set<Owned>();
let hooked = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Detached children lead their own process group: signal the whole group.
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** Synchronous last-resort cleanup: SIGKILL and remove, for exit and signal handlers. */
export function cleanupNow(): void {
  for (const item of owned) {
    if (item.child) killGroup(item.child, 'SIGKILL');
    if (item.dir) rmSync(item.dir, { recursive: true, force: true });
  }
  owned.clear();
}

function hookProcess(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', cleanupNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanupNow();
      // Re-raise only if nobody else (e.g. Vitest) handles the signal, so its own shutdown still runs.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/**
 * A detached watchdog: if this Node process dies without cleaning up (SIGKILL, crash), it kills the
 * child's process group and removes the dir. It exits by itself once the child is gone.
 */
function startWatchdog(child: ChildProcess, dir: string): void {
  if (child.pid === undefined) return;
  const script = `
    const [parent, pid, dir] = process.argv.slice(1);
    const alive = (p) => { try { process.kill(Number(p), 0); return true; } catch { return false; } };
    const timer = setInterval(() => {
      if (!alive(pid)) { clearInterval(timer); require('fs').rmSync(dir, { recursive: true, force: true }); return; }
      if (!alive(parent)) {
        try { process.kill(-Number(pid), 'SIGKILL'); } catch { try { process.kill(Number(pid), 'SIGKILL'); } catch {} }
        setTimeout(() => { require('fs').rmSync(dir, { recursive: true, force: true }); process.exit(0); }, 500);
        clearInterval(timer);
      }
    }, 500);`;
  const watchdog = spawn(process.execPath, ['-e', script, String(process.pid), String(child.pid), dir], { detached: true, stdio: 'ignore' });
  watchdog.unref();
}

/** Registers a child process and/or dir; returns the function that releases them gracefully. */
export function own(item: { child?: ChildProcess; dir?: string }): { release: (graceMs: number) => Promise<void>; forget: () => void } {
  hookProcess();
  owned.add(item);
  if (item.child && item.dir) startWatchdog(item.child, item.dir);
  return {
    /** Stops tracking without touching anything (ownership moved elsewhere). */
    forget: () => owned.delete(item),
    release: async (graceMs: number) => {
      const { child, dir } = item;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
        // SIGTERM runs Kafka's shutdown hook; SIGKILL if it takes longer than the grace period.
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
      owned.delete(item);
    },
  };
}
