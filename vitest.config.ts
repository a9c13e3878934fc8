import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/** Checks run in file-name order (environment, connectivity, then delivery), as a gate reads them. */
class ByFileName extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.project.name.localeCompare(b.project.name) || a.moduleId.localeCompare(b.moduleId));
  }
}

// The same check files serve both profiles; only where the endpoint comes from differs.
const checks = {
  include: ['tests/*.test.ts'],
  setupFiles: ['support/setup/journal-hook.ts'],
  // One check at a time: bursts must not compete, and connectivity is judged before delivery.
  fileParallelism: false,
  testTimeout: 30000, // catch hanging checks; each network wait has a shorter deadline of its own
  hookTimeout: 30000,
};

export default defineConfig({
  test: {
    reporters: ['default', 'junit', './support/report/reporter.ts'],
    outputFile: { junit: 'reports/junit.xml' },
    sequence: { sequencer: ByFileName },
    teardownTimeout: 30000,
    projects: [
      { extends: true, test: { name: 'fabric', ...checks, globalSetup: ['support/setup/fabric.ts'] } },
      { extends: true, test: { name: 'local', ...checks, globalSetup: ['support/setup/local.ts'] } },
      {
        extends: true,
        test: {
          name: 'self',
          include: ['tests/self/**/*.test.ts'],
          globalSetup: ['support/setup/self.ts'],
          testTimeout: 120000,
          hookTimeout: 120000,
        },
      },
    ],
  },
});
