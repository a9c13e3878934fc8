// `npm run docs:config`: rewrites the generated variable tables of docs/ from the settings tables in code.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/core/project-root.js';
import { generatedRegions, replaceRegion } from '../support/dev/config-doc.js';

for (const [file, content] of Object.entries(generatedRegions())) {
  const path = join(PROJECT_ROOT, file);
  const before = readFileSync(path, 'utf8');
  const after = replaceRegion(before, content, file);
  if (after !== before) writeFileSync(path, after);
  process.stdout.write(`docs:config: ${file} ${after === before ? 'already up to date' : 'rewritten'}\n`);
}
