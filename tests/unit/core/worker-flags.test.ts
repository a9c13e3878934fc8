// The check worker's Node flags (vitest.config.ts execArgv) and the bench's (package.json "bench"): the bench measures
// our burst generator as the checks run it, so both must carry the same flags.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CHECK_WORKER_EXEC_ARGV } from '../../../support/core/worker-flags.js';
import { PROJECT_ROOT } from '../../../support/core/project-root.js';

describe('the check worker flags', () => {
  test('npm run bench runs with every flag the check worker gets', () => {
    const scripts = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(CHECK_WORKER_EXEC_ARGV.length).toBeGreaterThan(0);
    for (const flag of CHECK_WORKER_EXEC_ARGV) expect(scripts.bench?.split(/\s+/)).toContain(flag);
  });

  test('vitest.config.ts gives them to both check projects, and only to those', async () => {
    const { default: config } = await import('../../../vitest.config.js');
    const projects = (config.test?.projects ?? []) as Array<{ test?: { name?: string; execArgv?: string[] } }>;
    const flagsOf = (name: string) => projects.find((p) => p.test?.name === name)?.test?.execArgv;
    expect(flagsOf('fabric')).toEqual([...CHECK_WORKER_EXEC_ARGV]);
    expect(flagsOf('local')).toEqual([...CHECK_WORKER_EXEC_ARGV]);
    expect(flagsOf('unit')).toBeUndefined();
  });
});
