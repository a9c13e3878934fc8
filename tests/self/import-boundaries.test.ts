// The import rules of .dependency-cruiser.cjs (run by `npm test`): the real tree keeps them, and each one fails a
// synthetic tree that breaks it, naming the rule and the import. Also: every file's imports come before its code.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../support/self/run-suite.js';

const CONFIG = join(PROJECT_ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(PROJECT_ROOT, 'node_modules', '.bin', 'depcruise');
const CRUISE_MS = 60000;
const RULES = (createRequire(import.meta.url)(CONFIG) as { forbidden: { name: string }[] }).forbidden.map((r) => r.name);

/** One import against each rule: the file that imports, what it imports, and the line depcruise must print. */
const BREAKS = [
  {
    rule: 'report-imports-no-checks-or-setup',
    from: 'support/report/model.ts',
    to: 'support/setup/context.ts',
    source: "import type { Profile } from '../setup/context.js';\nexport type P = Profile;\n",
  },
  {
    rule: 'report-imports-no-checks-or-setup',
    from: 'support/report/build.ts',
    to: 'support/checks.ts',
    source: "import { record } from '../checks.js';\nexport const r = record;\n",
  },
  {
    rule: 'report-imports-no-checks-or-setup',
    from: 'support/report/html.ts',
    to: 'support/check-test.ts',
    source: "import { test } from '../check-test.js';\nexport const t = test;\n",
  },
  {
    rule: 'broker-imports-no-setup-or-report',
    from: 'support/broker/jvm.ts',
    to: 'support/report/trend.ts',
    source: "import { trend } from '../report/trend.js';\nexport const t = trend;\n",
  },
  {
    rule: 'broker-imports-no-setup-or-report',
    from: 'support/broker/container.ts',
    to: 'support/setup/provide.ts',
    source: "import { provide } from '../setup/provide.js';\nexport const p = provide;\n",
  },
  {
    rule: 'eventstream-facts-import-no-broker',
    from: 'support/eventstream.ts',
    to: 'support/broker/keys.ts',
    source: "import { key } from './broker/keys.js';\nexport const k = key;\n",
  },
  {
    rule: 'support-imports-no-tests',
    from: 'support/self/run-suite.ts',
    to: 'tests/helper.ts',
    source: "import { help } from '../../tests/helper.js';\nexport const h = help;\n",
  },
  { rule: 'no-circular', from: 'support/kafka.ts', to: 'support/deadline.ts', source: "import { d } from './deadline.js';\nexport const k = d;\n" },
  { rule: 'not-to-unresolvable', from: 'support/wire.ts', to: './gone.js', source: "import { gone } from './gone.js';\nexport const w = gone;\n" },
] as const;

/** Files the breaking imports reach (the cycle's other half imports back). */
const TARGETS: Record<string, string> = {
  'support/setup/context.ts': 'export type Profile = string;\n',
  'support/checks.ts': 'export const record = 1;\n',
  'support/check-test.ts': 'export const test = 1;\n',
  'support/report/trend.ts': 'export const trend = 1;\n',
  'support/setup/provide.ts': 'export const provide = 1;\n',
  'support/broker/keys.ts': 'export const key = 1;\n',
  'tests/helper.ts': 'export const help = 1;\n',
  'support/deadline.ts': "import { k } from './kafka.js';\nexport const d = 1;\nexport const again = k;\n",
};

const escape = (path: string) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function cruise(cwd: string, args: readonly string[]): { code: number | null; output: string } {
  const r = spawnSync(DEPCRUISE, [...args, '--config', CONFIG, '--output-type', 'err'], { cwd, encoding: 'utf8', timeout: CRUISE_MS });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('import boundaries (.dependency-cruiser.cjs, run by npm test)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'readiness-import-boundaries-'));
  let broken: { code: number | null; output: string };
  beforeAll(() => {
    const files: Record<string, string> = { ...TARGETS, ...Object.fromEntries(BREAKS.map((b) => [b.from, b.source])) };
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    copyFileSync(join(PROJECT_ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    broken = cruise(dir, ['support', 'tests']);
  }, CRUISE_MS);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test(
    'the real tree keeps every rule',
    () => {
      const r = cruise(PROJECT_ROOT, ['support', 'tests', 'scripts', 'vitest.config.ts']);
      expect(r.output).toMatch(/no dependency violations found/);
      expect(r.code).toBe(0);
    },
    CRUISE_MS,
  );

  test('every rule has a breaking import below that proves it', () => {
    expect(new Set(BREAKS.map((b) => b.rule))).toEqual(new Set(RULES));
  });

  test('a tree that breaks the rules fails with a non-zero exit', () => {
    expect(broken.code, broken.output).not.toBe(0);
  });

  test.each(BREAKS)('$rule refuses $from importing $to', ({ rule, from, to }) => {
    if (rule === 'no-circular') {
      // A cycle is reported once, from whichever of its modules depcruise meets first.
      const either = `(${escape(from)}|${escape(to)})`;
      expect(broken.output).toMatch(new RegExp(`error ${rule}: ${either} → `));
      expect(broken.output).toMatch(new RegExp(`${either} →\\s+${either}`));
    } else expect(broken.output, broken.output).toContain(`error ${rule}: ${from} → ${to}`);
  });
});

/** The project's TypeScript sources (what `npm run lint:deps` cruises). */
function sources(): string[] {
  const dirs = ['support', 'tests', 'scripts'].map((d) => join(PROJECT_ROOT, d));
  const files = dirs.flatMap((d) => readdirSync(d, { recursive: true, encoding: 'utf8' }).map((f) => join(d, f)));
  return [...files.filter((f) => f.endsWith('.ts')), join(PROJECT_ROOT, 'vitest.config.ts')];
}

/** The first statement that is code, in a file where an import follows it; undefined when the imports come first. */
function codeBeforeImport(file: string): string | undefined {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const importLike = (st: ts.Statement) =>
    ts.isImportDeclaration(st) || ts.isImportEqualsDeclaration(st) || (ts.isExportDeclaration(st) && st.moduleSpecifier !== undefined);
  const firstCode = source.statements.findIndex((st) => !importLike(st));
  if (firstCode < 0 || !source.statements.slice(firstCode).some(importLike)) return undefined;
  const st = source.statements[firstCode] as ts.Statement;
  return `line ${source.getLineAndCharacterOfPosition(st.getStart()).line + 1}: ${st.getText().split('\n')[0]}`;
}

test('every source file has its imports (and re-exports) before any code', () => {
  const offenders = sources().flatMap((f) => {
    const where = codeBeforeImport(f);
    return where ? [`${relative(PROJECT_ROOT, f)} ${where}`] : [];
  });
  expect(offenders).toEqual([]);
});
