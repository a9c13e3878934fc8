// setupFiles entry of the check projects: registers the run's secrets in the worker, and journals every finished check.
import { relative } from 'node:path';
import { beforeEach, inject } from 'vitest';
import { checkId, fullTestName } from '../checks/verdict.js';
import { appendJournal } from '../checks/journal.js';
import { redact, registerSecret } from '../core/redact.js';
import { secretsOf } from '../inputs/run-inputs.js';

// The inputs reach this worker already parsed: their secrets are registered here, before any check can print.
for (const secret of secretsOf(inject('inputs'))) registerSecret(secret);

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
