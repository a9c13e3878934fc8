import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter } from 'vitest/node';
import { defineConfig } from 'vitest/config';
import { parseShard } from './support/capacity/settings.js';
import { pathProblemLines, prepareReportsDir } from './support/inputs/paths.js';
import { SettingError } from './support/inputs/settings.js';
import { readMonitoringSettings } from './support/inputs/monitoring.js';
import { CHECK_WORKER_EXEC_ARGV } from './support/core/worker-flags.js';
import { RunOrder } from './support/harness/run-order.js';

const root = fileURLToPath(new URL('.', import.meta.url));
// Every report, JUnit included, goes to READINESS_REPORTS_DIR (default ./reports): checked before anything starts.
const reports = prepareReportsDir(process.env.READINESS_REPORTS_DIR, root);
// Refusals end the run from a reporter's onInit, once Vitest has loaded this file and removed its bundled copy
// (node_modules/.vite-temp/vitest.config.ts.timestamp-*.mjs): exiting here, while it loads, would leave that copy behind.
const refusals: string[] = reports.problem ? pathProblemLines([reports.problem]) : [];
const reportsDir = reports.dir ?? join(root, 'reports');

// READINESS_SHARD=i/N (read from the environment, like READINESS_REPORTS_DIR) makes the run one shard of the capacity
// load test: the environment and connectivity checks, which write nothing, then only the capacity workload.
let shard;
try {
  shard = parseShard(process.env.READINESS_SHARD);
} catch (error) {
  if (!(error instanceof SettingError)) throw error;
  refusals.push(`[readiness] ${error.message}`);
}
// Where the run pushes its figures at its end (Pushgateway, OTLP) and each push's deadline: a bad URL refuses the run up front.
const monitoring = readMonitoringSettings(process.env);
for (const problem of monitoring.problems) refusals.push(`[readiness] ${problem.message}`);
/** First among the reporters: prints every refusal, one line each, and ends the run with exit code 2. */
const refuseRun: Reporter = {
  onInit() {
    for (const line of refusals) process.stderr.write(`${line}\n`);
    process.exit(2);
  },
};
const CAPACITY_ONLY = ['tests/01-environment.test.ts', 'tests/02-connectivity.test.ts', 'tests/capacity/*.test.ts'];

// The same check files serve both profiles; only where the endpoint comes from differs.
const checks = {
  include: shard ? CAPACITY_ONLY : ['tests/*.test.ts'],
  setupFiles: ['support/harness/journal-hook.ts'],
  // One check at a time: bursts must not compete, and connectivity is judged before delivery.
  fileParallelism: false,
  // One worker for every check file, modules loaded once: each file's start costs no fresh import of the clients
  // (seconds on a busy runner). Checks share no state but the run's provided inputs.
  isolate: false,
  // A larger young generation for the check worker: the max-rate burst allocates a round trip of encoded batches, and with
  // the default semi-space garbage collection took up to 30% of its thread (docs/benchmarks). Costs up to 3 x 64 MiB.
  execArgv: [...CHECK_WORKER_EXEC_ARGV],
  testTimeout: 30000, // catch hanging checks; each network wait has a shorter deadline of its own
  hookTimeout: 30000,
};

/**
 * The project's own tests, unit and e2e: one group of three workers (a project's maxWorkers must match its group's).
 * Three even on 2 cores: an e2e file mostly waits on its child runs, its brokers and their timeouts.
 */
const ownTests = { maxWorkers: 3, sequence: { groupOrder: 0 } };

export default defineConfig({
  test: {
    reporters: [
      ...(refusals.length ? [refuseRun] : []),
      'default',
      './support/report/junit-reporter.ts',
      ['./support/harness/reporter.ts', { dir: reportsDir, monitoring: monitoring.settings }],
    ],
    outputFile: { junit: join(reportsDir, 'junit.xml') },
    sequence: { sequencer: RunOrder },
    provide: { reportsDir },
    teardownTimeout: 30000,
    // Transformed modules are kept in node_modules/.experimental-vitest-cache (keyed by content, written atomically), so
    // a run after the first, and every child run of the e2e tests, starts without compiling TypeScript again.
    experimental: { fsModuleCache: true },
    projects: [
      // The check projects run one file at a time (`checks`); in `npm test` they come after the project's own tests.
      { extends: true, test: { name: 'fabric', ...checks, sequence: { groupOrder: 1 }, globalSetup: ['support/harness/fabric.ts'] } },
      { extends: true, test: { name: 'local', ...checks, sequence: { groupOrder: 1 }, globalSetup: ['support/harness/local.ts'] } },
      // The project's own tests in two speeds: `unit` is pure and in-process (no broker, no child run; seconds),
      // `e2e` runs the suite in child processes against real brokers and proves each failure layer once (`ownTests`).
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], ...ownTests, testTimeout: 30000, hookTimeout: 30000 } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          ...ownTests,
          globalSetup: ['support/dev/e2e-setup.ts'],
          testTimeout: 120000,
          hookTimeout: 120000,
        },
      },
    ],
  },
});
