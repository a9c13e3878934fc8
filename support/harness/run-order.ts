// The order test files run in (vitest.config.ts sequence.sequencer): checks as a gate reads them, the project's own
// tests longest first.
import { relative, sep } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The projects of checks, run one file at a time. */
const CHECK_PROJECTS = new Set(['fabric', 'local']);

/**
 * The project's own test files that take longest (measured on a fresh clone, 2026-12-01), longest first. Where Vitest
 * has no record of their last run (a fresh clone, as in CI) they start first, so none of them starts last and finishes
 * alone; where it has one, its record decides. tests/unit/core/sequencer.test.ts fails on a listed file that is gone.
 */
export const LONGEST_OWN_TESTS = [
  'tests/e2e/container-mode.test.ts',
  'tests/e2e/interrupts.test.ts',
  'tests/e2e/control-plane-faults.test.ts',
  'tests/e2e/relay-round-trip.test.ts',
  'tests/e2e/fault-matrix-keys.test.ts',
  'tests/e2e/broker-cli.test.ts',
  'tests/e2e/html-report.test.ts',
  'tests/e2e/fault-matrix.test.ts',
  'tests/e2e/capacity.test.ts',
  'tests/e2e/fault-matrix-brokers.test.ts',
];

/**
 * Checks run in file-name order (environment, connectivity, then delivery), as a gate reads them. The project's own
 * tests run longest first: by Vitest's record of the last run where every listed file has one, else LONGEST_OWN_TESTS
 * first, then Vitest's order (the largest files first), so that the workers end together.
 */
export class RunOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const rank = new Map(ordered.map((file, i) => [file, i]));
    const path = (file: TestSpecification) => relative(this.ctx.config.root, file.moduleId).split(sep).join('/');
    const listed = (file: TestSpecification) => LONGEST_OWN_TESTS.indexOf(path(file));
    // A record of only some files (`npm run test:unit` on a fresh clone records the unit files) does not order the e2e ones.
    const unrecorded = files.some((f) => listed(f) >= 0 && !this.ctx.cache.getFileTestResults(`${f.project.name}:${path(f)}`));
    const hint = (file: TestSpecification) => (unrecorded && listed(file) >= 0 ? listed(file) : LONGEST_OWN_TESTS.length);
    // Vitest's order keeps each project's files together: only the order within a project changes.
    return ordered.sort((a, b) => {
      if (a.project.name !== b.project.name) return (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
      if (CHECK_PROJECTS.has(a.project.name)) return a.moduleId.localeCompare(b.moduleId);
      return hint(a) - hint(b) || (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
    });
  }
}
