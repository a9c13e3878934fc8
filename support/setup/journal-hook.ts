// setupFiles entry of the check projects: writes every finished check to the run journal.
import { relative } from 'node:path';
import { beforeEach, inject } from 'vitest';
import { checkId, fullTestName } from '../checks.js';
import { appendJournal } from '../report/journal.js';
import { redact } from '../redact.js';

beforeEach(({ onTestFinished }) => {
  const journal = inject('journalFile');
  if (!journal) return;
  // Not called for a test that skips itself: notRun() journals those.
  onTestFinished(({ task: finished }) => {
    const state = finished.result?.state === 'fail' ? 'fail' : finished.result?.state === 'pass' ? 'pass' : 'skip';
    appendJournal(journal, {
      id: checkId({ task: finished }),
      name: fullTestName({ task: finished }),
      file: relative(process.cwd(), finished.file.filepath),
      state,
      check: finished.meta.check,
      message: finished.result?.errors?.[0]?.message ? redact(finished.result.errors[0].message) : undefined,
      durationMs: finished.result?.duration,
    });
  });
});
