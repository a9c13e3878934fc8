// Vitest's JUnit reporter, with its directory checked first and a late write failure turned into one line and a failing exit.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { JUnitReporter, type TestModule, type Vitest } from 'vitest/node';
import { exitOnPathProblems, prepareDirectory } from '../inputs/paths.js';
import { reportWriteFailed } from './write.js';

/** Where JUnit goes: `outputFile.junit` from the config (READINESS_REPORTS_DIR) or the command line. */
function junitFile(ctx: Vitest): string | undefined {
  const out = ctx.config.outputFile;
  const file = typeof out === 'string' ? out : out?.junit;
  return file ? resolve(ctx.config.root, file) : undefined;
}

export default class SafeJUnitReporter extends JUnitReporter {
  private file = '';

  override async onInit(ctx: Vitest): Promise<void> {
    this.file = junitFile(ctx) ?? '';
    // Vitest's own reporter would mkdir -p an unchecked path (which hangs under /proc on Node 20).
    if (this.file) {
      const dir = prepareDirectory('--outputFile.junit', dirname(this.file), ctx.config.root);
      if (dir.problem) exitOnPathProblems([dir.problem]);
    }
    try {
      await super.onInit(ctx);
    } catch (error) {
      reportWriteFailed(this.file, error);
    }
  }

  override async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    try {
      await super.onTestRunEnd(testModules);
    } catch (error) {
      reportWriteFailed(this.file, error);
      return;
    }
    // The file is opened at start-up: if its directory was removed meanwhile, the writes went to a deleted file.
    if (this.file && !existsSync(this.file)) reportWriteFailed(this.file, new Error('the file is gone: its directory was removed during the run'));
  }
}
