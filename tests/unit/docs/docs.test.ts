// README.md and docs/ stay true: links resolve, the scripts and variables they name exist, the variable tables are what
// the code generates, the README stays short, and no commit hash or issue number reaches a page users read.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../../support/core/project-root.js';
import { documentedVariables, generatedRegions, readRegion } from '../../../support/dev/config-doc.js';
import {
  checkHints,
  checkHistory,
  checkLinks,
  checkReadmeLength,
  checkScripts,
  checkVariables,
  type DocsContext,
  type Page,
} from '../../../support/dev/docs-check.js';
import { readMergePolicy } from '../../../support/capacity/merge.js';
import { describeRate, readCapacitySettings } from '../../../support/capacity/settings.js';
import { VARIABLES } from '../../../support/inputs/variables.js';

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : filesUnder(path, ext);
    return ext.test(e.name) ? [path] : [];
  });
}

const pages: Page[] = ['README.md', 'CHANGELOG.md', ...filesUnder('docs', /\.md$/)].map((file) => ({ file, text: read(file) }));
const ctx: DocsContext = {
  exists: (path) => existsSync(join(PROJECT_ROOT, path)),
  readPage: (path) => (path.endsWith('.md') && existsSync(join(PROJECT_ROOT, path)) && statSync(join(PROJECT_ROOT, path)).isFile() ? read(path) : undefined),
  scripts: new Set(Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts)),
  variables: new Set(documentedVariables()),
};
const findAll = (check: (page: Page) => string[]) => pages.flatMap(check);

describe('README.md, CHANGELOG.md and docs/', () => {
  test('every relative link resolves, and every #anchor names a heading of its page', () => {
    expect(findAll((p) => checkLinks(p, ctx))).toEqual([]);
  });
  test('every `npm run <script>` they name is a script of package.json', () => {
    expect(findAll((p) => checkScripts(p, ctx))).toEqual([]);
  });
  test('every FABRIC_*, READINESS_*, LOCAL_* and EVENTSTREAM_* variable they name is a setting the code has', () => {
    // The changelog may name a variable that was renamed or removed, to say what to do.
    expect(findAll((p) => (p.file === 'CHANGELOG.md' ? [] : checkVariables(p, ctx)))).toEqual([]);
  });
  test('README.md stays at or under 200 lines', () => {
    expect(checkReadmeLength(pages[0] as Page)).toEqual([]);
  });
  test('no commit hash or issue number on a page users read', () => {
    expect(findAll(checkHistory)).toEqual([]);
  });
});

describe('hints in code and config that name a docs page', () => {
  test('name a page that exists, and a section it has', () => {
    const files = [
      ...['support', 'scripts', 'tests'].flatMap((dir) => filesUnder(dir, /\.ts$/)).filter((f) => !f.startsWith('tests/unit/docs/')),
      ...filesUnder('fixtures', /\.(ya?ml|json)$/),
      ...filesUnder('.github/workflows', /\.ya?ml$/),
      '.env.example',
      'vitest.config.ts',
    ];
    expect(files.flatMap((file) => checkHints({ file, text: read(file) }, ctx))).toEqual([]);
  });
});

describe('docs/configuration.md is what the settings tables generate', () => {
  test.each(Object.entries(generatedRegions()))('%s holds the generated variable tables', (file, content) => {
    expect(readRegion(read(file)), `${file} differs from the settings in code: run npm run docs:config`).toBe(content.trim());
  });
  test('names every setting (development variables in docs/development.md), so none is missing from the page', () => {
    const config = read('docs/configuration.md');
    const dev = new Set(VARIABLES.filter((v) => v.group === 'development').map((v) => v.name));
    const missing = documentedVariables().filter((name) => !(dev.has(name) ? read('docs/development.md') : config).includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});

describe('the list of variables matches what the code reads', () => {
  const sources = [...filesUnder('support', /\.ts$/), ...filesUnder('scripts', /\.ts$/), ...filesUnder('tests', /\.ts$/), 'vitest.config.ts']
    .filter((f) => !f.startsWith('tests/unit/docs/'))
    .map((file) => ({ file, text: read(file) }));
  test('every variable the code reads (env.NAME or a quoted name) is in settings.ts or variables.ts', () => {
    const known = new Set(documentedVariables());
    const unknown = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/(?:env\.|['"`])((?:READINESS|FABRIC|EVENTSTREAM|LOCAL)_[A-Z0-9_]*[A-Z0-9])(?![A-Za-z0-9_])/g)]
        .map((m) => m[1] ?? '')
        // A quoted prefix (k.startsWith('FABRIC_KAFKA')) stands for the variables it begins.
        .filter((name) => !known.has(name) && ![...known].some((k) => k.startsWith(`${name}_`)))
        .map((name) => `${name} (read in ${relative('.', file)}): add it to support/inputs/variables.ts, then npm run docs:config`),
    );
    expect([...new Set(unknown)]).toEqual([]);
  });
  test('every entry of variables.ts is still read somewhere (by its full name, or a quoted key after a `PREFIX_${key}` template)', () => {
    const all = sources.map((s) => s.text).join('\n');
    const prefixes = [...all.matchAll(/`((?:READINESS|FABRIC|LOCAL)_[A-Z0-9_]*_)\$\{/g)].map((m) => m[1] ?? '');
    const alive = (name: string) =>
      new RegExp(`\\b${name}\\b`).test(all) || prefixes.some((p) => name.startsWith(p) && all.includes(`'${name.slice(p.length)}'`));
    expect(VARIABLES.map((v) => v.name).filter((name) => !alive(name))).toEqual([]);
  });
});

describe('the defaults variables.ts documents are those of the code', () => {
  const documented = (name: string) => VARIABLES.find((v) => v.name === name)?.default.replace(/`/g, '');
  test('capacity: what readCapacitySettings and readMergePolicy take when nothing is set', () => {
    const s = readCapacitySettings({ READINESS_SHARD: '1/1' }, 0);
    expect({
      READINESS_CAPACITY_RATE: describeRate(s.rate),
      READINESS_CAPACITY_DURATION_S: String(s.durationS),
      READINESS_CAPACITY_EVENT_BYTES: String(s.eventBytes),
      READINESS_CAPACITY_START_DELAY_S: String(s.startDelayS),
      READINESS_CAPACITY_MAX_WAIT_S: String(s.maxWaitS),
      READINESS_CAPACITY_SAMPLES: String(s.samples),
      READINESS_CAPACITY_MISSING: readMergePolicy({}).missing,
    }).toEqual({
      READINESS_CAPACITY_RATE: documented('READINESS_CAPACITY_RATE'),
      READINESS_CAPACITY_DURATION_S: documented('READINESS_CAPACITY_DURATION_S'),
      READINESS_CAPACITY_EVENT_BYTES: documented('READINESS_CAPACITY_EVENT_BYTES'),
      READINESS_CAPACITY_START_DELAY_S: documented('READINESS_CAPACITY_START_DELAY_S'),
      READINESS_CAPACITY_MAX_WAIT_S: documented('READINESS_CAPACITY_MAX_WAIT_S'),
      READINESS_CAPACITY_SAMPLES: documented('READINESS_CAPACITY_SAMPLES'),
      READINESS_CAPACITY_MISSING: documented('READINESS_CAPACITY_MISSING'),
    });
  });
});

describe('each docs check fails on a bad sample', () => {
  const sample = (text: string, file = 'docs/sample.md'): Page => ({ file, text });
  const fake: DocsContext = {
    exists: (path) => ['docs/real.md', 'README.md', 'docs'].includes(path),
    readPage: (path) => (path === 'docs/real.md' ? '# Real page\n\n## A section: with `code`\n' : undefined),
    scripts: new Set(['broker']),
    variables: new Set(['FABRIC_KAFKA_PASSWORD', 'READINESS_BURST_EVENTS']),
  };
  test('a link to a missing page, and an anchor no heading has, by file and line', () => {
    const page = sample('# Sample\n\nsee [real](real.md#a-section-with-code) and [gone](gone.md)\n[bad](real.md#nowhere) [self](#sample) [self2](#none)\n');
    expect(checkLinks(page, fake)).toEqual([
      'docs/sample.md:3: link to gone.md: there is no docs/gone.md',
      'docs/sample.md:4: link to real.md#nowhere: docs/real.md has no heading with the anchor #nowhere',
      'docs/sample.md:4: link to #none: docs/sample.md has no heading with the anchor #none',
    ]);
  });
  test('a script package.json does not have', () => {
    expect(checkScripts(sample('run `npm run broker`, then `npm run -s brokr`\n'), fake)).toEqual([
      'docs/sample.md:1: npm run brokr: package.json has no script "brokr"',
    ]);
  });
  test('a variable the code does not have, and a wildcard that prefixes none', () => {
    expect(checkVariables(sample('`FABRIC_KAFKA_PASSWORD`, `READINESS_BURST_*`\n`READINESS_BURST_EVENT`, `FABRIC_NOPE_*`\n'), fake)).toEqual([
      'docs/sample.md:2: READINESS_BURST_EVENT: no such setting in the code (support/inputs/settings.ts, variables.ts)',
      'docs/sample.md:2: FABRIC_NOPE_*: no such setting in the code (support/inputs/settings.ts, variables.ts)',
    ]);
  });
  test('a README over 200 lines', () => {
    expect(checkReadmeLength(sample('line\n'.repeat(201), 'README.md'))).toEqual([
      'README.md:201: README.md has 201 lines; it stays at or under 200 (move reference to docs/)',
    ]);
    expect(checkReadmeLength(sample('line\n'.repeat(200), 'README.md'))).toEqual([]);
  });
  test('a commit hash and an issue number, but not a uuid, a run id or a plain number', () => {
    const page = sample('measured on commit 36c2001\nas issue 14 asked\nrun-1a2b3c4d 212db9a0-3f84-4021-94f0-925f63c4c380 1234567 defaced\n');
    expect(checkHistory(page)).toEqual([
      'docs/sample.md:1: 36c2001: a commit hash; say what changed, or date the figure',
      'docs/sample.md:2: "issue 14": an issue number; say what the change does',
    ]);
  });
  test('a hint naming a missing page, or a section its page does not have', () => {
    const hint = sample(`hint: 'see "A section: with code" in docs/real.md'\nhint: 'see docs/real.md, "Gone"'\nhint: 'docs/gone.md'\n`, 'support/x.ts');
    expect(checkHints(hint, fake)).toEqual([
      'support/x.ts:2: names the section "Gone" of docs/real.md, which has no such heading',
      'support/x.ts:3: names docs/gone.md, which does not exist',
    ]);
  });
  test('a generated region that differs from the code', () => {
    expect(readRegion('x')).toBeUndefined();
    const [file, content] = Object.entries(generatedRegions())[0] as [string, string];
    const stale = read(file).replace(content.trim().split('\n')[4] ?? '', '| `READINESS_GONE` | 1 | x | y |');
    expect(readRegion(stale)).not.toBe(content.trim());
  });
});
