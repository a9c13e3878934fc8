// Reads the JUnit XML that Vitest writes back into test cases (for the project's own tests and tools).

export interface JUnitCase {
  readonly suite: string;
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly failureMessage?: string;
  /** Duration in seconds, as the report states it. */
  readonly timeSec: number;
  readonly properties: ReadonlyArray<{ name: string; value: string }>;
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'", '&amp;': '&' };

export function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (m) => ENTITIES[m] ?? m);
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

/** Test cases in document order. Handles the subset of JUnit XML that Vitest's reporter emits. */
export function parseJUnit(xml: string): JUnitCase[] {
  const cases: JUnitCase[] = [];
  const suiteRe = /<testsuite\s[^>]*>([\s\S]*?)<\/testsuite>/g;
  for (const suiteMatch of xml.matchAll(suiteRe)) {
    const suiteTag = suiteMatch[0].slice(0, suiteMatch[0].indexOf('>') + 1);
    const suite = attr(suiteTag, 'name') ?? '';
    const body = suiteMatch[1] ?? '';
    const caseRe = /<testcase\s[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g;
    for (const caseMatch of body.matchAll(caseRe)) {
      const tag = caseMatch[0].slice(0, caseMatch[0].indexOf('>') + 1);
      const inner = caseMatch[1] ?? '';
      const failure = /<failure\s[^>]*>/.exec(inner);
      const properties = [...inner.matchAll(/<property\s[^>]*>/g)].map((p) => ({ name: attr(p[0], 'name') ?? '', value: attr(p[0], 'value') ?? '' }));
      cases.push({
        suite,
        name: attr(tag, 'name') ?? '',
        status: failure ? 'fail' : /<skipped\s*\/>/.test(inner) ? 'skip' : 'pass',
        failureMessage: failure ? attr(failure[0], 'message') : undefined,
        timeSec: Number(attr(tag, 'time') ?? 0),
        properties,
      });
    }
  }
  return cases;
}
