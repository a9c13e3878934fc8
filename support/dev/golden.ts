// What users of a run see, as a list of stable lines (the golden list): JUnit testcase names with their property names,
// the readiness.json keys and rows, the Markdown headings and the printed summary. Values are left out, ports and
// numbers in names are normalised, so only a change of what users read shows up as a difference.
import { parseJUnit } from './junit.js';

export interface RunArtifacts {
  readonly junitXml: string;
  readonly readinessJson: string;
  readonly readinessMd: string;
  /** What the run printed, stdout and stderr (its summary lines). */
  readonly printed: string;
}

/** Ports, durations and counts vary between runs; names that embed them are compared with the number replaced. */
function normalise(text: string): string {
  return text
    .replace(/Tcp\d+Open/g, 'Tcp<port>Open')
    .replace(/:\d{2,5}\b/g, ':<port>')
    .replace(/\/[^\s,'"]*\/(readiness\.json|junit\.xml)/g, '<dir>/$1')
    .replace(/\d+(\.\d+)?/g, 'N');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every key path of a JSON value; array elements merged (checks keyed by their id, so each check's keys show). */
function keyPaths(value: unknown, path: string, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      // Checks are keyed by their frozen id; generated ids (a uuid per run, as Fabric gives its nodes) are not names.
      const raw = item && typeof item === 'object' && 'id' in item ? String((item as { id: unknown }).id) : '';
      const id = UUID.test(raw) ? '*' : raw;
      keyPaths(item, `${path}[${id}]`, out);
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    // Raw samples are encoded measurements, not names users read.
    const p = `${path}.${normalise(k)}`;
    out.add(p);
    if (k !== 'samples') keyPaths(v, p, out);
  }
}

/** Warnings come and go with a busy machine; they are values, not names. */
const isWarning = (name: string) => /^warning/.test(name);

export function userVisible(run: RunArtifacts): string[] {
  const lines: string[] = [];
  for (const c of parseJUnit(run.junitXml)) {
    const props = [...new Set(c.properties.map((p) => normalise(p.name)).filter((n) => !isWarning(n)))].sort();
    lines.push(`junit: ${c.suite} > ${c.name} [${c.status}] { ${props.join('; ')} }`);
  }
  const report = JSON.parse(run.readinessJson) as { readiness?: { name: string }[] };
  const keys = new Set<string>();
  keyPaths(report, 'readiness.json', keys);
  lines.push(
    ...[...keys]
      .filter((k) => !/\.warnings\./.test(k))
      .sort()
      .map((k) => `json: ${k}`),
  );
  lines.push(...(report.readiness ?? []).map((r) => `readiness row: ${normalise(r.name)}`));
  lines.push(
    ...run.readinessMd
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .map((l) => `md: ${normalise(l)}`),
  );
  lines.push(
    ...run.printed
      .split('\n')
      .filter((l) => /^(READINESS|JUNIT) report/.test(l))
      .map((l) => `printed: ${normalise(l)}`)
      .sort(), // stdout and stderr interleave differently from run to run
  );
  return lines;
}
