// Prints "N passed, N failed, N skipped" for a JUnit file, the closing line CI systems read.
import { existsSync, readFileSync } from 'node:fs';
import { parseJUnit } from '../support/dev/junit.js';

const file = process.argv[2] ?? 'reports/junit.xml';
if (!existsSync(file)) {
  process.stderr.write(`junit-summary: no JUnit file at ${file}\n`);
  process.exit(1);
}
const cases = parseJUnit(readFileSync(file, 'utf8'));
const count = (s: string) => cases.filter((c) => c.status === s).length;
process.stdout.write(`${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped\n`);
