// Keeps README.md and docs/ true: links and anchors resolve, named npm scripts and variables exist, the README stays
// short, and no commit hash or issue number reaches a page users read. Each finding names its file and line.

/** One Markdown page: its path from the project root and its text. */
export interface Page {
  readonly file: string;
  readonly text: string;
}

export interface DocsContext {
  /** Does this path (from the project root, no trailing slash) exist, as a file or a directory? */
  readonly exists: (path: string) => boolean;
  /** The text of another page, for its headings; undefined when it is not Markdown or not there. */
  readonly readPage: (path: string) => string | undefined;
  readonly scripts: ReadonlySet<string>;
  readonly variables: ReadonlySet<string>;
}

export const README_MAX_LINES = 200;

const finding = (page: Page, line: number, message: string): string => `${page.file}:${line}: ${message}`;

/** Lines outside fenced code blocks, numbered from 1 (code blocks hold shell and output, not links). */
function proseLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fenced = false;
  text.split('\n').forEach((t, i) => {
    if (/^\s*```/.test(t)) fenced = !fenced;
    else if (!fenced) out.push({ line: i + 1, text: t.replace(/`[^`]*`/g, '``') });
  });
  return out;
}

const allLines = (text: string) => text.split('\n').map((t, i) => ({ line: i + 1, text: t }));

/** GitHub's anchor of a heading's text: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .replace(/`/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** GitHub's anchor for each heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text: t } of proseLinesKeepingCode(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(t);
    if (!m?.[1]) continue;
    const base = anchorOf(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Lines outside fenced code blocks, code spans kept (headings keep their code text in the anchor). */
function proseLinesKeepingCode(text: string): Array<{ line: number; text: string }> {
  let fenced = false;
  return allLines(text).filter(({ text: t }) => {
    if (/^\s*```/.test(t)) fenced = !fenced;
    else return !fenced;
    return false;
  });
}

const posixJoin = (dir: string, rel: string): string => {
  const parts = dir ? dir.split('/') : [];
  for (const p of rel.split('/')) {
    if (p === '..') parts.pop();
    else if (p !== '.' && p !== '') parts.push(p);
  }
  return parts.join('/');
};

/** Every relative link resolves to a file or folder, and every #anchor to a heading of the page it names. */
export function checkLinks(page: Page, ctx: DocsContext): string[] {
  const out: string[] = [];
  const dir = page.file.includes('/') ? page.file.slice(0, page.file.lastIndexOf('/')) : '';
  for (const { line, text } of proseLines(page.text)) {
    for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [path = '', anchor] = target.split('#');
      const resolved = path ? posixJoin(dir, decodeURI(path)) : page.file;
      if (path && !ctx.exists(resolved.replace(/\/$/, ''))) {
        out.push(finding(page, line, `link to ${target}: there is no ${resolved}`));
        continue;
      }
      if (anchor === undefined || !resolved.endsWith('.md')) continue;
      const other = resolved === page.file ? page.text : ctx.readPage(resolved);
      if (other !== undefined && !headingAnchors(other).has(anchor)) {
        out.push(finding(page, line, `link to ${target}: ${resolved} has no heading with the anchor #${anchor}`));
      }
    }
  }
  return out;
}

/** Every `npm run <script>` the page names is a script of package.json. */
export function checkScripts(page: Page, ctx: DocsContext): string[] {
  const out: string[] = [];
  for (const { line, text } of allLines(page.text)) {
    for (const m of text.matchAll(/\bnpm run (?:-s |--silent )?([\w:.-]*[\w])/g)) {
      if (!ctx.scripts.has(m[1] ?? '')) out.push(finding(page, line, `npm run ${m[1]}: package.json has no script "${m[1]}"`));
    }
  }
  return out;
}

const VARIABLE = /\b((?:FABRIC|READINESS|EVENTSTREAM|LOCAL)_[A-Z0-9_]*[A-Z0-9])(_?\*)?(?![A-Za-z0-9_])/g;

/** Every FABRIC_*, READINESS_*, LOCAL_* or EVENTSTREAM_* name on the page is a setting; `NAME_*` must prefix one. */
export function checkVariables(page: Page, ctx: DocsContext): string[] {
  const out: string[] = [];
  for (const { line, text } of allLines(page.text)) {
    for (const m of text.matchAll(VARIABLE)) {
      const name = m[1] ?? '';
      const known = m[2] ? [...ctx.variables].some((v) => v.startsWith(`${name}_`)) : ctx.variables.has(name);
      if (!known) out.push(finding(page, line, `${name}${m[2] ?? ''}: no such setting in the code (support/inputs/settings.ts, variables.ts)`));
    }
  }
  return out;
}

/** The names of variables a page mentions. */
export function variablesNamed(text: string): Set<string> {
  return new Set([...text.matchAll(VARIABLE)].filter((m) => !m[2]).map((m) => m[1] ?? ''));
}

/**
 * No commit hash (a 7-40 character hex word with a digit and a letter, not part of a uuid, an id or a number) and
 * no issue number: users read what the tool does, not how it got there.
 */
export function checkHistory(page: Page): string[] {
  const out: string[] = [];
  for (const { line, text } of allLines(page.text)) {
    for (const m of text.matchAll(/(?<![\w.-])[0-9a-f]{7,40}(?![\w-])/g)) {
      if (/\d/.test(m[0]) && /[a-f]/.test(m[0])) out.push(finding(page, line, `${m[0]}: a commit hash; say what changed, or date the figure`));
    }
    for (const m of text.matchAll(/\b(?:issues?|pull request|PR) #?\d+\b/gi))
      out.push(finding(page, line, `"${m[0]}": an issue number; say what the change does`));
  }
  return out;
}

export function checkReadmeLength(page: Page, max = README_MAX_LINES): string[] {
  const lines = page.text.replace(/\n$/, '').split('\n').length;
  return lines > max ? [finding(page, max + 1, `README.md has ${lines} lines; it stays at or under ${max} (move reference to docs/)`)] : [];
}

/**
 * Hints in code and config that name a page of docs/ exist, and a section they quote beside it
 * (`"Sizing" in docs/capacity.md`, `docs/configuration.md, "One key, one event hub"`) is a heading of that page.
 */
export function checkHints(page: Page, ctx: DocsContext): string[] {
  const out: string[] = [];
  for (const { line, text } of allLines(page.text)) {
    for (const m of text.matchAll(/\bdocs\/[\w/.-]*[\w]\.md\b/g)) {
      if (!ctx.exists(m[0])) out.push(finding(page, line, `names ${m[0]}, which does not exist`));
    }
    const quoted = [...text.matchAll(/"([^"]+)" in (docs\/[\w/.-]+\.md)/g), ...text.matchAll(/(docs\/[\w/.-]+\.md), "([^"]+)"/g)].map((m) =>
      m[1]?.startsWith('docs/') ? { doc: m[1], section: m[2] ?? '' } : { doc: m[2] ?? '', section: m[1] ?? '' },
    );
    for (const { doc, section } of quoted) {
      const target = ctx.readPage(doc);
      if (target !== undefined && !headingAnchors(target).has(anchorOf(section))) {
        out.push(finding(page, line, `names the section "${section}" of ${doc}, which has no such heading`));
      }
    }
  }
  return out;
}
