// Container mode proven against a real Docker engine and the local stand-in (or apache/kafka where present): start, crash, port clash, leftovers, interrupts.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test, type TestContext } from 'vitest';
import { ourContainers } from '../../support/core/cleanup.js';
import { CONTAINER_SETUP_COMMAND, DEFAULT_IMAGE, dockerAvailable, imagePresent, STANDIN_IMAGE, startContainerBroker } from '../../support/broker/container.js';
import type { LocalBroker } from '../../support/broker/local-broker.js';
import { freePort } from '../../support/broker/properties.js';
import { QUICK } from '../../support/dev/quick.js';
import { checkIdsOf, onceStderrMatches, PASSED_ON_A_FIRST_RUN, runSuite, type SuiteRun } from '../../support/dev/run-suite.js';

// Ryuk's image cannot be pulled here; our own cleanup must be enough, so these tests run without it.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
/** A container that dies must be reported well before any start-up timeout (120 s). */
const CRASH_BOUND_MS = 20000;
/** From the interrupt to the run's exit, containers and temp dirs removed. */
const INTERRUPT_BOUND_MS = 10000;

/**
 * The image to prove container mode with, and whether it can run here (an engine answers, the image is present;
 * nothing is pulled): LOCAL_BROKER_IMAGE if set, else the local stand-in, else apache/kafka:4.1.1 (present where
 * it can be pulled, e.g. GitHub's CI, whose container-mode globalSetup has pulled it by the time tests run).
 */
async function containerSetup(): Promise<{ ok: true; image: string } | { ok: false; image: string; reason: string }> {
  const candidates = process.env.LOCAL_BROKER_IMAGE ? [process.env.LOCAL_BROKER_IMAGE] : [STANDIN_IMAGE, DEFAULT_IMAGE];
  const docker = await dockerAvailable();
  if (!docker.ok) return { ok: false, image: candidates[0] as string, reason: docker.reason ?? 'no Docker runtime' };
  for (const image of candidates) if (await imagePresent(image).catch(() => false)) return { ok: true, image };
  return { ok: false, image: candidates[0] as string, reason: `none of ${candidates.join(', ')} is present` };
}
const setup = await containerSetup();
const IMAGE = setup.image;
const CONTAINER_ENV = { LOCAL_BROKER: 'container', LOCAL_BROKER_IMAGE: IMAGE, TESTCONTAINERS_RYUK_DISABLED: 'true' };

/** Skips with the setup command where Docker or the image is missing; in CI (which sets both up) fails instead. */
function requireContainerSetup(ctx: TestContext): void {
  if (setup.ok) return;
  const hint = `${setup.reason}; set it up with \`${CONTAINER_SETUP_COMMAND}\` (installs docker.io, starts dockerd, builds ${STANDIN_IMAGE})`;
  if (process.env.CI === 'true') throw new Error(`container mode cannot be proven in CI: ${hint}`);
  ctx.skip(hint);
}

function expectNothingLeft(run: SuiteRun): void {
  expect(run.leftoverContainers, 'containers left by the run').toEqual([]);
  expect(run.leftoverProcesses, 'processes left by the run').toEqual([]);
  expect(run.leftoverFiles, 'temp dirs left by the run').toEqual([]);
}

/**
 * Runs an in-process start with a TMPDIR of its own, the label of every container it starts (CONTAINER_RUN_LABEL),
 * then lists our containers still there with that label: what the start left behind. Files running beside this one
 * (entity-keys starts containers too) share this worker's TMPDIR, so a label of their own keeps theirs out.
 */
async function leftBehindBy(start: () => Promise<void>): Promise<string[]> {
  const previous = process.env.TMPDIR;
  const marker = mkdtempSync(join(tmpdir(), 'readiness-container-test-'));
  process.env.TMPDIR = marker;
  try {
    await start();
    return ourContainers(marker);
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(marker, { recursive: true, force: true });
  }
}

const localRun = (onStart?: (child: ChildProcess) => void, env: Record<string, string> = {}) =>
  runSuite({ project: 'local', env: { ...QUICK, ...CONTAINER_ENV, ...env }, timeoutMs: 180000, onStart });

describe(`container mode (${IMAGE})`, () => {
  test('a local run in container mode starts the broker and passes the local checks, leaving nothing behind', async (ctx) => {
    requireContainerSetup(ctx);
    const r = await localRun();
    const failed = r.cases.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.failureMessage?.slice(0, 300)}`);
    expect(r.code, `${failed.join('\n')}\n${r.stderr.slice(-2000)}`).toBe(0);
    expect(r.stderr).toMatch(/\[local broker\] Kafka container ready in [\d.]+ s/);
    expect(checkIdsOf(r, 'Pass')).toEqual(PASSED_ON_A_FIRST_RUN);
    expectNothingLeft(r);
  });

  test('a container that crashes at start-up is reported at once, with its last log lines and no secret', async (ctx) => {
    requireContainerSetup(ctx);
    const start = performance.now();
    // An unknown process role: Kafka refuses the configuration, echoing the value, and the container exits.
    // The value carries a key, as a misplaced connection string would: the log lines must come out redacted.
    const leaked = `leak${randomBytes(8).toString('hex')}`;
    const role = `Endpoint=sb://nowhere/;SharedAccessKeyName=k;SharedAccessKey=${leaked}`;
    let error = new Error('no start-up was tried');
    const left = await leftBehindBy(async () => {
      error = await startContainerBroker({ image: IMAGE, properties: { 'process.roles': role } }).then(
        (b) => b.stop().then(() => new Error('the broker started despite a broken server.properties')),
        (e: unknown) => e as Error,
      );
    });
    const elapsed = performance.now() - start;
    expect(error.message).toMatch(/exited during start-up: the container of .* exited with code [1-9]\d*; its last log lines:\n/);
    expect(error.message).toMatch(/Invalid value Endpoint=sb:\/\/nowhere\/;SharedAccessKeyName=k;SharedAccessKey=\*\*\* for configuration process\.roles/);
    expect(error.message).not.toContain(leaked);
    expect(elapsed, error.message).toBeLessThan(CRASH_BOUND_MS);
    expect(left).toEqual([]);
  });

  test('a host port taken before Docker binds it is retried on another port', async (ctx) => {
    requireContainerSetup(ctx);
    // Holds the first port handed out, as another process grabbing it between pick and bind would.
    const squatter: Server = createServer();
    const taken = await freePort();
    await new Promise<void>((r) => squatter.listen(taken, '127.0.0.1', r));
    const picks: number[] = [];
    const lines: string[] = [];
    let broker: LocalBroker | undefined;
    const left = await leftBehindBy(async () => {
      try {
        broker = await startContainerBroker({
          image: IMAGE,
          log: (line) => lines.push(line),
          pickHostPort: async () => {
            picks.push(picks.length === 0 ? taken : await freePort());
            return picks[picks.length - 1] as number;
          },
        });
        expect(picks[0]).toBe(taken);
        expect(broker.saslPort).not.toBe(taken);
        expect(lines.join('\n')).toMatch(new RegExp(`host port ${taken} was taken .* retrying with another \\(attempt 2 of 3\\)`));
      } finally {
        await broker?.stop();
        await new Promise((r) => squatter.close(r));
      }
    });
    expect(left).toEqual([]);
  });

  const LONG_BURST: Record<string, string> = { READINESS_BURST_EVENTS: '3000000' };
  const NO_ENV: Record<string, string> = {};
  test.for([
    // What a terminal does on Ctrl-C: SIGINT to the foreground process group, here once the burst is under way.
    {
      name: 'Ctrl-C during the burst',
      signal: 'SIGINT',
      group: true,
      line: /\[readiness local\] burst\.max-rate: [1-9]\d* of 3000000 acknowledged/,
      env: LONG_BURST,
    },
    // What a cancelled CI job does: SIGTERM to the test command alone, once the preflight has passed.
    { name: 'SIGTERM after the preflight', signal: 'SIGTERM', group: false, line: /\[readiness local\] topics\s+pass/, env: NO_ENV },
  ] as const)('$name ends the run non-zero within 10 s, containers and temp dirs removed', async ({ signal, group, line, env }, ctx) => {
    requireContainerSetup(ctx);
    let signalledAt = 0;
    const r = await localRun(
      (child) =>
        onceStderrMatches(child, line, () => {
          signalledAt = performance.now();
          process.kill(group ? -(child.pid as number) : (child.pid as number), signal);
        }),
      env,
    );
    expect(signalledAt, `the line never came:\n${r.stderr.slice(-2000)}`).toBeGreaterThan(0);
    expect(r.code === 0 && r.signal === null, `exit ${r.code ?? r.signal}`).toBe(false);
    expect(r.closedAt - signalledAt).toBeLessThan(INTERRUPT_BOUND_MS);
    expectNothingLeft(r);
  });

  test('the runner killed outright (SIGKILL) leaves no container: the watchdog removes it', async (ctx) => {
    requireContainerSetup(ctx);
    let killed = false;
    const r = await localRun((child) =>
      onceStderrMatches(child, /\[readiness local\] topics\s+pass/, () => {
        killed = true;
        // No handler runs on SIGKILL: only the detached watchdog can clean up.
        process.kill(-(child.pid as number), 'SIGKILL');
      }),
    );
    expect(killed, r.stderr.slice(-2000)).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(r.leftoverContainers, 'containers left by the run').toEqual([]);
    expect(r.leftoverProcesses, 'processes left by the run (the watchdog exits once done)').toEqual([]);
    // The watchdogs take the broker's dir with the container, and the run's journal dir.
    expect(r.leftoverFiles).toEqual([]);
  });
});
