// The run order (support/harness/run-order.ts, vitest.config.ts's sequencer): checks by file name, the project's own tests longest first, on a fresh
// clone by the measured list, else by Vitest's record of the last run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import { PROJECT_ROOT } from '../../../support/core/project-root.js';
import { LONGEST_OWN_TESTS, RunOrder } from '../../../support/harness/run-order.js';

const ROOT = '/repo';

/** What Vitest's sequencer reads of a test file: its project (name, group, isolation) and its path. */
function spec(project: string, file: string): TestSpecification {
  const groupOrder = project === 'fabric' || project === 'local' ? 1 : 0;
  return {
    project: { name: project, config: { sequence: { groupOrder }, isolate: project !== 'fabric' } },
    moduleId: `${ROOT}/${file}`,
  } as unknown as TestSpecification;
}

/** A Vitest with its cache: file sizes always, the last run's durations where `record` has them. */
function vitestWith(sizes: Record<string, number>, record: Record<string, number> = {}): Vitest {
  const cache = {
    getFileTestResults: (key: string) => (key in record ? { duration: record[key], failed: false } : undefined),
    getFileStats: (key: string) => ({ size: sizes[key.slice(key.indexOf(':') + 1)] ?? 0 }),
  };
  return { config: { root: ROOT }, cache } as unknown as Vitest;
}

const order = async (ctx: Vitest, files: TestSpecification[]) =>
  (await new RunOrder(ctx).sort(files)).map((f) => `${f.project.name}:${f.moduleId.slice(ROOT.length + 1)}`);

const FILES = [
  spec('fabric', 'tests/03-smoke.test.ts'),
  spec('e2e', 'tests/e2e/paths.test.ts'),
  spec('fabric', 'tests/01-environment.test.ts'),
  spec('e2e', 'tests/e2e/interrupts.test.ts'),
  spec('e2e', 'tests/e2e/container-mode.test.ts'),
  spec('unit', 'tests/unit/a.test.ts'),
];
const SIZES = { 'tests/e2e/paths.test.ts': 5000, 'tests/e2e/interrupts.test.ts': 3000, 'tests/e2e/container-mode.test.ts': 4000, 'tests/unit/a.test.ts': 100 };

describe('the run order', () => {
  test('every file named as one of the longest exists', () => {
    expect(LONGEST_OWN_TESTS.filter((f) => !existsSync(join(PROJECT_ROOT, f)))).toEqual([]);
  });

  test("without a record of the last run (a fresh clone): the longest own tests first as listed, then by size; checks by file name, after the project's own", async () => {
    expect(await order(vitestWith(SIZES), FILES)).toEqual([
      'e2e:tests/e2e/container-mode.test.ts',
      'e2e:tests/e2e/interrupts.test.ts',
      'e2e:tests/e2e/paths.test.ts',
      'unit:tests/unit/a.test.ts',
      'fabric:tests/01-environment.test.ts',
      'fabric:tests/03-smoke.test.ts',
    ]);
  });

  test('a record of only the unit files (npm run test:unit on a fresh clone) still starts the listed e2e files first', async () => {
    const record = { 'unit:tests/unit/a.test.ts': 10 };
    expect((await order(vitestWith(SIZES, record), FILES)).slice(0, 3)).toEqual([
      'e2e:tests/e2e/container-mode.test.ts',
      'e2e:tests/e2e/interrupts.test.ts',
      'e2e:tests/e2e/paths.test.ts',
    ]);
  });

  test("with a record of the last run: Vitest's order by the recorded durations, the list not consulted; checks still by file name", async () => {
    const record = {
      'e2e:tests/e2e/paths.test.ts': 90000,
      'e2e:tests/e2e/interrupts.test.ts': 1000,
      'e2e:tests/e2e/container-mode.test.ts': 2000,
      'unit:tests/unit/a.test.ts': 10,
      'fabric:tests/03-smoke.test.ts': 99999,
      'fabric:tests/01-environment.test.ts': 1,
    };
    expect(await order(vitestWith(SIZES, record), FILES)).toEqual([
      'e2e:tests/e2e/paths.test.ts',
      'e2e:tests/e2e/container-mode.test.ts',
      'e2e:tests/e2e/interrupts.test.ts',
      'unit:tests/unit/a.test.ts',
      'fabric:tests/01-environment.test.ts',
      'fabric:tests/03-smoke.test.ts',
    ]);
  });
});
