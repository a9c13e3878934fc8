// Vitest reporter: after every run of the check projects, writes reports/readiness.json, .md and .html (and the GitHub job summary).
import { join, relative } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { redact } from '../core/redact.js';
// The TaskMeta.check augmentation; ProvidedContext is augmented by setup/context.ts, which the report does not import.
import '../record/result.js';
import { buildReport } from './build.js';
import { idFromName, type CheckEntry } from './model.js';
import { renderMarkdown } from './render.js';
import { reportWriteFailed, writeReportFile } from './write.js';

const CHECK_PROJECTS = new Set(['fabric', 'local']);

export default class ReadinessReporter implements Reporter {
  private root = process.cwd();

  /** `dir` was checked (and created) by vitest.config.ts before the run started. */
  constructor(private readonly options: { dir: string }) {}

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    const byProject = new Map<string, TestModule[]>();
    for (const m of testModules) {
      const name = m.project.name;
      if (!CHECK_PROJECTS.has(name)) continue;
      byProject.set(name, [...(byProject.get(name) ?? []), m]);
    }
    for (const [projectName, modules] of byProject) {
      const started = performance.now();
      const project = modules[0]?.project;
      if (!project) continue;
      const provided = project.getProvidedContext();
      if (!provided.runEnv) continue; // globalSetup did not get far enough to describe the endpoint
      const entries: CheckEntry[] = [];
      for (const m of modules) {
        for (const test of m.children.allTests()) {
          const result = test.result();
          const meta = test.meta();
          const state = result.state === 'passed' ? 'pass' : result.state === 'failed' ? 'fail' : 'skip';
          const message = result.state === 'failed' ? result.errors?.[0]?.message : result.state === 'skipped' ? result.note : undefined;
          entries.push({
            // The declared id; a test that failed before it could declare one (a collection error) gets its title's slug.
            id: meta.checkId ?? meta.check?.id ?? idFromName(test.fullName),
            name: test.fullName,
            file: relative(this.root, m.moduleId),
            state,
            check: meta.check,
            message: message ? redact(message) : undefined,
            durationMs: test.diagnostic()?.duration,
          });
        }
      }
      let report: ReturnType<typeof buildReport>;
      try {
        report = buildReport({
          profile: provided.profile,
          runEnv: provided.runEnv,
          settings: provided.inputs.settings,
          endpoint: provided.inputs.endpoint.parts,
          preflight: provided.preflight,
          preflightSkipped: provided.preflightSkipped,
          controlPlane: provided.controlPlane,
          secrets: provided.secrets,
          entries,
          cwd: this.root,
        });
      } catch (error) {
        reportWriteFailed(join(this.options.dir, 'readiness.json'), error);
        continue;
      }
      const { dir } = this.options;
      const markdown = renderMarkdown(report);
      // With several check projects in one run, each gets its own file; a single one writes readiness.json.
      const base = byProject.size > 1 ? `readiness-${projectName}` : 'readiness';
      const verdict = report.verdict.toUpperCase();
      process.stderr.write(`[readiness ${projectName}] writing reports to ${dir}\n`);
      let html: string | undefined;
      try {
        // Loaded here, not at start-up: the charting libraries are needed only once a check project has run.
        const { renderHtml } = await import('./html.js');
        html = await renderHtml(report);
      } catch (error) {
        reportWriteFailed(join(dir, `${base}.html`), error, verdict);
      }
      const written = [
        writeReportFile(join(dir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`, { verdict }),
        writeReportFile(join(dir, `${base}.md`), markdown, { verdict }),
        html !== undefined && writeReportFile(join(dir, `${base}.html`), html, { verdict }),
        !process.env.GITHUB_STEP_SUMMARY || writeReportFile(process.env.GITHUB_STEP_SUMMARY, `${markdown}\n`, { append: true, verdict }),
      ].every(Boolean);
      const ms = Math.round(performance.now() - started);
      if (written) process.stderr.write(`READINESS report (${projectName}: ${verdict}) written to ${join(dir, `${base}.json`)}, .md and .html in ${ms} ms\n`);
    }
  }
}
