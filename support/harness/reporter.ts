// The readiness reporter of the check projects: writes the reports and, before that, pushes the run's figures to monitoring (READINESS_PUSHGATEWAY_URL, OTLP).
import ReadinessReporter from '../report/reporter.js';
import { withMonitoring } from '../report/build.js';
import type { ReadinessReport } from '../report/model.js';
import type { Vitest } from 'vitest/node';
import { preloadOtlp, pushRunMetrics } from '../monitoring/push.js';

export default class PushingReadinessReporter extends ReadinessReporter {
  override onInit(vitest: Vitest): void {
    super.onInit(vitest);
    if (this.options.monitoring) preloadOtlp(this.options.monitoring);
  }

  /** Pushes once at the end of the run, passing or failing; a failed push is a warning on the report, never the verdict. */
  protected override async beforeWrite(report: ReadinessReport): Promise<ReadinessReport> {
    const settings = this.options.monitoring;
    if (!settings) return report;
    const outcome = await pushRunMetrics(report, {
      settings,
      env: process.env,
      durationSeconds: (performance.now() - this.startedAt) / 1000,
      endedAt: new Date(),
      say: (line) => process.stderr.write(`[readiness ${report.profile}] ${line}\n`),
    });
    return withMonitoring(report, outcome);
  }
}
