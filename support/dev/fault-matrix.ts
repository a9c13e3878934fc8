// The gate's fault matrix, shared by its files (tests/e2e/fault-matrix*.test.ts): what every fault row must show, and
// the rows' runs of `vitest run --project fabric` against the e2e project's shared broker.
import { expect, inject } from 'vitest';
import { QUICK } from './quick.js';
import { runSuite, type SuiteRun } from './run-suite.js';

export const CONNECTIVITY_BOUND_MS = 30000;
/** A fault the environment check catches never reaches the network: the run is over well before any timeout. */
export const ENVIRONMENT_BOUND_MS = 10000;

export interface Expectation {
  /** The first failing testcase's name contains this. */
  readonly first: string;
  /** Its failure message matches this (the diagnosis). */
  readonly message: RegExp;
  /** From this test file on (readiness summary excepted), no check after the first failure may pass. */
  readonly dependentsFrom?: string;
  readonly boundMs: number;
  /** Values that must appear nowhere in stdout, stderr, JUnit or the reports. */
  readonly secrets: readonly string[];
}

export function secretParts(connectionString: string): string[] {
  const key = /SharedAccessKey=([^;]+)/.exec(connectionString)?.[1];
  return key ? [connectionString, key] : [connectionString];
}

/** What every fault must show: non-zero exit, the right first failure, dependents not passing, bounded, no leak, no leftovers. */
export function expectFault(run: SuiteRun, e: Expectation): void {
  const summary = JSON.stringify(run.cases.map((c) => [c.name.slice(0, 60), c.status]));
  expect(run.code, `exit code; cases: ${summary}\n${run.stderr.slice(-1500)}`).not.toBe(0);
  const firstIndex = run.cases.findIndex((c) => c.status === 'fail');
  const first = run.cases[firstIndex];
  expect(first?.name, summary).toContain(e.first);
  expect(first?.failureMessage).toMatch(e.message);
  expect(first?.failureMessage).toMatch(/Likely cause/);
  // Every reproduced failure has a specific cause: none ends as "unknown".
  expect(first?.failureMessage).not.toMatch(/\(unknown\)/);
  if (e.dependentsFrom) {
    const from = e.dependentsFrom;
    const passedAfter = run.cases.slice(firstIndex + 1).filter((c) => c.suite >= from && !c.suite.includes('09-readiness') && c.status === 'pass');
    expect(passedAfter.map((c) => c.name)).toEqual([]);
    const skippedWithoutReason = run.cases.filter((c) => c.status === 'skip' && !c.properties.some((p) => p.name === 'not run'));
    expect(skippedWithoutReason.map((c) => c.name)).toEqual([]);
  }
  expect(run.durationMs).toBeLessThan(e.boundMs);
  for (const secret of e.secrets) expect(run.allOutput.includes(secret), 'a secret was printed or reported').toBe(false);
  expect(run.leftoverProcesses).toEqual([]);
  expect(run.leftoverFiles).toEqual([]);
}

/** The shared broker of the e2e project, every key it issued (none may be printed), and a row's run against it. */
export function sharedBrokerFaults() {
  const shared = inject('selfBroker');
  const keys = shared.keys;
  const secrets = [shared.connectionString, ...Object.values(keys.byTopic), keys.namespace, keys.listenOnly].flatMap(secretParts);
  return {
    shared,
    keys,
    secrets,
    topicKey: (topic: string): string => keys.byTopic[topic] ?? '',
    run: (envFile: Record<string, string>, env: Record<string, string> = {}): Promise<SuiteRun> =>
      runSuite({ project: 'fabric', envFile, env: { ...QUICK, ...env }, timeoutMs: 90000 }),
    /** The shared broker's endpoint settings without one variable. */
    without: (name: string): Record<string, string> => Object.fromEntries(Object.entries(shared.env).filter(([k]) => k !== name)),
  };
}
