// Vitest reporter: after every run of the check projects, writes reports/readiness.json and .md (and the GitHub job summary).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { redact } from '../redact.js';
import '../setup/context.js';
import { buildReport } from './build.js';
import { idFromName, type CheckEntry } from './model.js';
import { renderMarkdown } from './render.js';

const CHECK_PROJECTS = new Set(['fabric', 'local']);

export default class ReadinessReporter implements Reporter {
  private root = process.cwd();

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
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
            id: meta.check?.id ?? idFromName(test.fullName),
            name: test.fullName,
            file: relative(this.root, m.moduleId),
            state,
            check: meta.check,
            message: message ? redact(message) : undefined,
            durationMs: test.diagnostic()?.duration,
          });
        }
      }
      const report = buildReport({
        profile: provided.profile,
        runEnv: provided.runEnv,
        preflight: provided.preflight,
        preflightSkipped: provided.preflightSkipped,
        secrets: provided.secrets,
        entries,
        cwd: this.root,
      });
      const dir = resolve(this.root, process.env.READINESS_REPORTS_DIR || 'reports');
      mkdirSync(dir, { recursive: true });
      const markdown = renderMarkdown(report);
      // With several check projects in one run, each gets its own file; a single one writes readiness.json.
      const base = byProject.size > 1 ? `readiness-${projectName}` : 'readiness';
      writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
      writeFileSync(join(dir, `${base}.md`), markdown);
      if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
      const ms = Math.round(performance.now() - started);
      process.stderr.write(`READINESS report (${projectName}: ${report.verdict.toUpperCase()}) written to ${join(dir, `${base}.json`)} and .md in ${ms} ms\n`);
    }
  }
}
