// The import rules of .dependency-cruiser.cjs (run by `npm test`): the real tree keeps them, and each one fails a
// synthetic tree that breaks it, naming the rule and the import. Also: every file's imports come before its code.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../support/dev/run-suite.js';

const CONFIG = join(PROJECT_ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(PROJECT_ROOT, 'node_modules', '.bin', 'depcruise');
const CRUISE_MS = 60000;
const RULES = (createRequire(import.meta.url)(CONFIG) as { forbidden: { name: string }[] }).forbidden.map((r) => r.name);

/** One import against each rule: the file that imports, what it imports, and the line depcruise must print. */
const BREAKS = [
  {
    rule: 'facts-imports-only-below',
    from: 'support/facts/eventstream.ts',
    to: 'support/core/redact.ts',
    source: "import { r } from '../core/redact.js';\nexport const f = r;\n",
  },
  {
    rule: 'core-imports-only-below',
    from: 'support/core/stats.ts',
    to: 'support/record/ids.ts',
    source: "import { id } from '../record/ids.js';\nexport const s = id;\n",
  },
  {
    rule: 'record-imports-only-below',
    from: 'support/record/result.ts',
    to: 'support/inputs/settings.ts',
    source: "import { setting } from '../inputs/settings.js';\nexport const r = setting;\n",
  },
  {
    rule: 'inputs-imports-only-below',
    from: 'support/inputs/config.ts',
    to: 'support/kafka/client.ts',
    source: "import { client } from '../kafka/client.js';\nexport const c = client;\n",
  },
  {
    rule: 'kafka-imports-only-below',
    from: 'support/kafka/diagnosis.ts',
    to: 'support/preflight/probes.ts',
    source: "import { probe } from '../preflight/probes.js';\nexport const d = probe;\n",
  },
  {
    rule: 'fabric-imports-only-below',
    from: 'support/fabric/client.ts',
    to: 'support/preflight/probes.ts',
    source: "import { probe } from '../preflight/probes.js';\nexport const f = probe;\n",
  },
  {
    rule: 'preflight-imports-only-below',
    from: 'support/preflight/stages.ts',
    to: 'support/workload/payloads.ts',
    source: "import { payload } from '../workload/payloads.js';\nexport const s = payload;\n",
  },
  {
    rule: 'workload-imports-only-below',
    from: 'support/workload/round-trip.ts',
    to: 'support/capacity/model.ts',
    source: "import { shard } from '../capacity/model.js';\nexport const r = shard;\n",
  },
  {
    rule: 'capacity-imports-only-below',
    from: 'support/capacity/shard.ts',
    to: 'support/report/model.ts',
    source: "import { report } from '../report/model.js';\nexport const s = report;\n",
  },
  // A type-only import of a layer above is refused too: the report never reads the harness.
  {
    rule: 'report-imports-only-below',
    from: 'support/report/render.ts',
    to: 'support/harness/context.ts',
    source: "import type { Profile } from '../harness/context.js';\nexport type P = Profile;\n",
  },
  {
    rule: 'report-imports-only-below',
    from: 'support/report/build.ts',
    to: 'support/checks/verdict.ts',
    source: "import { record } from '../checks/verdict.js';\nexport const r = record;\n",
  },
  {
    rule: 'monitoring-imports-only-below',
    from: 'support/monitoring/push.ts',
    to: 'support/checks/verdict.ts',
    source: "import { record } from '../checks/verdict.js';\nexport const p = record;\n",
  },
  // The monitoring layer reads reports as types only: loading the report code (or a Kafka client) is refused.
  {
    rule: 'monitoring-reads-reports-only',
    from: 'support/monitoring/metric-table.ts',
    to: 'support/report/trend.ts',
    source: "import { trend } from '../report/trend.js';\nexport const m = trend;\n",
  },
  // Only the run's end pushes: a check (though above the monitoring layer) may not load it.
  {
    rule: 'monitoring-only-at-the-end-of-a-run',
    from: 'support/checks/journal.ts',
    to: 'support/monitoring/pushgateway.ts',
    source: "import { push } from '../monitoring/pushgateway.js';\nexport const j = push;\n",
  },
  {
    rule: 'checks-imports-only-below',
    from: 'support/checks/fixtures.ts',
    to: 'support/harness/provide.ts',
    source: "import { provide } from '../harness/provide.js';\nexport const p = provide;\n",
  },
  {
    rule: 'report-loads-no-kafka-client',
    from: 'support/report/html.ts',
    to: 'support/preflight/probes.ts',
    source: "import { probe } from '../preflight/probes.js';\nexport const h = probe;\n",
  },
  {
    rule: 'broker-is-an-imitation',
    from: 'support/broker/jvm.ts',
    to: 'support/report/trend.ts',
    source: "import { trend } from '../report/trend.js';\nexport const t = trend;\n",
  },
  {
    rule: 'broker-is-an-imitation',
    from: 'support/broker/container.ts',
    to: 'support/harness/provide.ts',
    source: "import { provide } from '../harness/provide.js';\nexport const p = provide;\n",
  },
  {
    rule: 'dev-only-for-tests-and-scripts',
    from: 'support/harness/local.ts',
    to: 'support/dev/delay-proxy.ts',
    source: "import { relay } from '../dev/delay-proxy.js';\nexport const l = relay;\n",
  },
  {
    rule: 'support-imports-no-tests',
    from: 'support/dev/run-suite.ts',
    to: 'tests/helper.ts',
    source: "import { help } from '../../tests/helper.js';\nexport const h = help;\n",
  },
  {
    rule: 'no-stray-support-files',
    from: 'support/loose.ts',
    to: 'support/core/readable.ts',
    source: "import { readable } from './core/readable.js';\nexport const l = readable;\n",
  },
  { rule: 'no-circular', from: 'support/core/cleanup.ts', to: 'support/core/deadline.ts', source: "import { d } from './deadline.js';\nexport const c = d;\n" },
  { rule: 'not-to-unresolvable', from: 'support/kafka/wire.ts', to: './gone.js', source: "import { gone } from './gone.js';\nexport const w = gone;\n" },
] as const;

/** What the rules let through: the report reads the preflight's types without loading it. */
const ALLOWED = {
  'support/report/model.ts': "import type { Preflight } from '../preflight/probes.js';\nexport type P = Preflight;\nexport const report = 1;\n",
} as const;

/** Files the breaking imports reach (the cycle's other half imports back). */
const TARGETS: Record<string, string> = {
  'support/core/redact.ts': 'export const r = 1;\n',
  'support/record/ids.ts': 'export const id = 1;\n',
  'support/inputs/settings.ts': 'export const setting = 1;\n',
  'support/kafka/client.ts': 'export const client = 1;\n',
  'support/preflight/probes.ts': 'export type Preflight = string;\nexport const probe = 1;\n',
  'support/workload/payloads.ts': 'export const payload = 1;\n',
  'support/capacity/model.ts': 'export const shard = 1;\n',
  'support/harness/context.ts': 'export type Profile = string;\n',
  'support/checks/verdict.ts': 'export const record = 1;\n',
  'support/harness/provide.ts': 'export const provide = 1;\n',
  'support/report/trend.ts': 'export const trend = 1;\n',
  'support/monitoring/pushgateway.ts': 'export const push = 1;\n',
  'support/dev/delay-proxy.ts': 'export const relay = 1;\n',
  'support/core/readable.ts': 'export const readable = 1;\n',
  'tests/helper.ts': 'export const help = 1;\n',
  'support/core/deadline.ts': "import { c } from './cleanup.js';\nexport const d = 1;\nexport const again = c;\n",
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
    const files: Record<string, string> = { ...TARGETS, ...ALLOWED, ...Object.fromEntries(BREAKS.map((b) => [b.from, b.source])) };
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

  test('a type-only import of the preflight by the report passes (the report reads its types, never loads it)', () => {
    for (const from of Object.keys(ALLOWED)) expect(broken.output).not.toContain(`: ${from} →`);
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
