// Vitest reporter: after every run of the check projects, writes reports/readiness.json, .md and .html (and the GitHub job summary).
import { join, relative } from 'node:path';
import type { ProvidedContext } from 'vitest';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { redact } from '../core/redact.js';
import { monitoringDestinations, type MonitoringSettings } from '../inputs/monitoring.js';
// The TaskMeta.check augmentation; ProvidedContext is augmented by setup/context.ts, which the report does not import.
import '../record/result.js';
import { CHECK_ID } from '../record/ids.js';
import { buildReport } from './build.js';
import { idFromName, type CheckEntry, type ReadinessReport } from './model.js';
import { renderMarkdown } from './render.js';
import { reportWriteFailed, writeReportFile } from './write.js';

const CHECK_PROJECTS = new Set(['fabric', 'local']);

/** The modules of each check project that ran (other projects, the self tests, get no report). */
function modulesByCheckProject(testModules: ReadonlyArray<TestModule>): Map<string, TestModule[]> {
  const byProject = new Map<string, TestModule[]>();
  for (const m of testModules) {
    const name = m.project.name;
    if (!CHECK_PROJECTS.has(name)) continue;
    byProject.set(name, [...(byProject.get(name) ?? []), m]);
  }
  return byProject;
}

/** One test as the report sees it: its check id, state, what it recorded, and its (redacted) message. */
function checkEntry(test: TestCase, file: string): CheckEntry {
  const result = test.result();
  const meta = test.meta();
  const state = result.state === 'passed' ? 'pass' : result.state === 'failed' ? 'fail' : 'skip';
  const message = result.state === 'failed' ? result.errors?.[0]?.message : result.state === 'skipped' ? result.note : undefined;
  return {
    // The declared id; a test that failed before it could declare one (a collection error) gets its title's slug.
    id: meta.checkId ?? meta.check?.id ?? idFromName(test.fullName),
    name: test.fullName,
    file,
    state,
    check: meta.check,
    message: message ? redact(message) : undefined,
    durationMs: test.diagnostic()?.duration,
  };
}

function reportOf(
  provided: ProvidedContext & { runEnv: NonNullable<ProvidedContext['runEnv']> },
  entries: CheckEntry[],
  options: { cwd: string; monitoring?: MonitoringSettings },
): ReadinessReport {
  const { cwd } = options;
  return buildReport({
    profile: provided.profile,
    runEnv: provided.runEnv,
    settings: provided.inputs.settings,
    endpoint: provided.inputs.endpoint.parts,
    preflight: provided.preflight,
    preflightSkipped: provided.preflightSkipped,
    controlPlane: provided.controlPlane,
    secrets: provided.secrets,
    entries,
    cwd,
    monitoring: options.monitoring ? { destinations: monitoringDestinations(options.monitoring) } : undefined,
  });
}

type HtmlRenderer = typeof import('./html.js');

/** The HTML report, or undefined (with the failure said) when it cannot be rendered. */
async function htmlOf(renderer: Promise<HtmlRenderer>, report: ReadinessReport, file: string, verdict: string): Promise<string | undefined> {
  try {
    const { renderHtml } = await renderer;
    return await renderHtml(report);
  } catch (error) {
    reportWriteFailed(file, error, verdict);
    return undefined;
  }
}

/** readiness.json, .md and .html (the .html only if it rendered), and the GitHub job summary; true when all were written. */
function writeReports(dir: string, base: string, report: { json: ReadinessReport; markdown: string; html: string | undefined }): boolean {
  const { markdown, html } = report;
  const verdict = report.json.verdict.toUpperCase();
  return [
    writeReportFile(join(dir, `${base}.json`), `${JSON.stringify(report.json, null, 2)}\n`, { verdict }),
    writeReportFile(join(dir, `${base}.md`), markdown, { verdict }),
    html !== undefined && writeReportFile(join(dir, `${base}.html`), html, { verdict }),
    !process.env.GITHUB_STEP_SUMMARY || writeReportFile(process.env.GITHUB_STEP_SUMMARY, `${markdown}\n`, { append: true, verdict }),
  ].every(Boolean);
}

export interface ReporterOptions {
  /** Checked (and created) by vitest.config.ts before the run started. */
  readonly dir: string;
  /** Where the run pushes its figures (checked by vitest.config.ts); the pushing reporter in support/harness/ does the push. */
  readonly monitoring?: MonitoringSettings;
}

export default class ReadinessReporter implements Reporter {
  private root = process.cwd();
  /** performance.now() when the run started, for the run's wall time. */
  protected startedAt = performance.now();
  /**
   * The HTML renderer and its charting libraries, loaded once: when the paced burst starts, or else at the end. The
   * load holds this process 0.2-0.4 s; during the paced burst both cores are nearly idle (its 50-300 ms gaps), and the
   * check worker measures on its own. What it sends meanwhile (its output, its test updates) is passed on once the
   * load is done, so a progress line may print up to that much later; no verdict or measurement depends on when.
   * Never at start-up: a run that stops before the checks never needs them.
   */
  private renderer: Promise<HtmlRenderer> | undefined;

  private htmlRenderer(): Promise<HtmlRenderer> {
    this.renderer ??= import('./html.js');
    return this.renderer;
  }

  constructor(protected readonly options: ReporterOptions) {}

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    this.startedAt = performance.now();
  }

  onTestCaseReady(test: TestCase): void {
    if (test.meta().checkId !== CHECK_ID.burstPaced) return;
    // A failed load is reported where the HTML is written.
    this.htmlRenderer().catch(() => undefined);
  }

  /** Called with the finished report before it is written; the pushing reporter pushes it here and adds the outcome. */
  protected async beforeWrite(report: ReadinessReport): Promise<ReadinessReport> {
    return report;
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    const byProject = modulesByCheckProject(testModules);
    // With several check projects in one run, each gets its own file; a single one writes readiness.json.
    for (const [projectName, modules] of byProject)
      await this.reportProject(projectName, modules, byProject.size > 1 ? `readiness-${projectName}` : 'readiness');
  }

  private async reportProject(projectName: string, modules: readonly TestModule[], base: string): Promise<void> {
    const started = performance.now();
    const provided = modules[0]?.project.getProvidedContext();
    const runEnv = provided?.runEnv;
    if (!provided || !runEnv) return; // globalSetup did not get far enough to describe the endpoint
    const entries = modules.flatMap((m) => [...m.children.allTests()].map((test) => checkEntry(test, relative(this.root, m.moduleId))));
    const { dir } = this.options;
    let report: ReadinessReport;
    try {
      report = reportOf({ ...provided, runEnv }, entries, { cwd: this.root, monitoring: this.options.monitoring });
    } catch (error) {
      reportWriteFailed(join(dir, 'readiness.json'), error);
      return;
    }
    report = await this.beforeWrite(report);
    const markdown = renderMarkdown(report);
    const verdict = report.verdict.toUpperCase();
    process.stderr.write(`[readiness ${projectName}] writing reports to ${dir}\n`);
    const html = await htmlOf(this.htmlRenderer(), report, join(dir, `${base}.html`), verdict);
    const written = writeReports(dir, base, { json: report, markdown, html });
    const ms = Math.round(performance.now() - started);
    if (written) process.stderr.write(`READINESS report (${projectName}: ${verdict}) written to ${join(dir, `${base}.json`)}, .md and .html in ${ms} ms\n`);
  }
}
