// Guarantees that what a run starts is gone (child processes, containers, temp dirs such as the run journal): on release, on exit, on Ctrl-C, even on SIGKILL of us.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

interface Owned {
  readonly child?: ChildProcess;
  readonly dir?: string;
  /** A Docker container id: removed with the docker CLI, which works synchronously (exit and signal handlers). */
  readonly containerId?: string;
  /** The detached watchdog guarding a container, ended once the container is removed. */
  watchdog?: ChildProcess;
}

/** Marks every container we start, so what a run leaves behind can be listed (docker ps --filter label=...). */
export const CONTAINER_LABEL = 'eventstream-readiness';
/** Its value: the TMPDIR of the process that started the container, the marker of a run (run-suite gives each run its own). */
export const CONTAINER_RUN_LABEL = 'eventstream-readiness.tmpdir';
/** Bound on one docker CLI call: a hung engine must not hang an exit handler. */
const DOCKER_CLI_TIMEOUT_MS = 15000;

/** `docker rm -f -v`: SIGKILL and remove, with its anonymous volumes; "no such container" counts as done. */
function removeContainerSync(id: string): void {
  spawnSync('docker', ['rm', '-f', '-v', id], { stdio: 'ignore', timeout: DOCKER_CLI_TIMEOUT_MS });
}

function removeContainer(id: string): Promise<void> {
  return new Promise((done) => execFile('docker', ['rm', '-f', '-v', id], { timeout: DOCKER_CLI_TIMEOUT_MS }, () => done()));
}

/**
 * Containers (running or not) we started: those of one run (the TMPDIR it had) or, without a marker, all of them.
 * Empty when no docker CLI or engine answers.
 */
export function ourContainers(runMarker?: string): string[] {
  const label = runMarker === undefined ? CONTAINER_LABEL : `${CONTAINER_RUN_LABEL}=${runMarker}`;
  const r = spawnSync('docker', ['ps', '-a', '--filter', `label=${label}`, '--format', '{{.ID}} {{.Image}} {{.Status}}'], {
    encoding: 'utf8',
    timeout: DOCKER_CLI_TIMEOUT_MS,
  });
  if (r.status !== 0) return [];
  return r.stdout.split('\n').filter(Boolean);
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
    if (item.containerId) removeContainerSync(item.containerId);
    if (item.watchdog) killGroup(item.watchdog, 'SIGKILL');
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

/**
 * A detached watchdog for a container and/or a dir: if this Node process dies without cleaning up (SIGKILL), it
 * removes the container (without Ryuk nothing else would) and the dir (e.g. the run journal). It is ended by
 * `release`/`cleanupNow` once they are removed.
 */
function startParentWatchdog(containerId: string | undefined, dir: string | undefined): ChildProcess {
  const script = `
    const [parent, id, dir] = process.argv.slice(1);
    const alive = (p) => { try { process.kill(Number(p), 0); return true; } catch { return false; } };
    const timer = setInterval(() => {
      if (alive(parent)) return;
      clearInterval(timer);
      if (id) require('child_process').spawnSync('docker', ['rm', '-f', '-v', id], { stdio: 'ignore', timeout: 30000 });
      if (dir) require('fs').rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }, 500);`;
  const watchdog = spawn(process.execPath, ['-e', script, String(process.pid), containerId ?? '', dir ?? ''], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return watchdog;
}

/** Registers a child process, a container and/or a dir; returns the function that releases them gracefully. */
export function own(item: { child?: ChildProcess; dir?: string; containerId?: string; guardDir?: boolean }): {
  release: (graceMs: number) => Promise<void>;
  forget: () => void;
} {
  hookProcess();
  const entry: Owned = { child: item.child, dir: item.dir, containerId: item.containerId };
  owned.add(entry);
  if (item.child && item.dir) startWatchdog(item.child, item.dir);
  // guardDir: a dir that lives as long as the run (the journal) is removed even if the run is SIGKILLed.
  if (item.containerId || (item.guardDir && item.dir && !item.child)) entry.watchdog = startParentWatchdog(item.containerId, item.dir);
  return {
    /** Stops tracking without touching anything (ownership moved elsewhere). */
    forget: () => owned.delete(entry),
    release: async (graceMs: number) => {
      const { child, dir, containerId, watchdog } = entry;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
        // SIGTERM runs Kafka's shutdown hook; SIGKILL if it takes longer than the grace period.
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // The container was normally stopped already (testcontainers' stop); this makes sure, and is quick when it is gone.
      if (containerId) await removeContainer(containerId);
      if (watchdog) killGroup(watchdog, 'SIGKILL');
      if (dir) rmSync(dir, { recursive: true, force: true });
      owned.delete(entry);
    },
  };
}
