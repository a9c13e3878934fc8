// Helpers the check files stand on: record what was measured on the testcase, fail with cause and hint, skip with a reason.
import { inject, type TestContext } from 'vitest';
import { relative } from 'node:path';
import type { CheckId } from '../record/ids.js';
import { formatMeasured, readableValue, readableValues, type Measured } from '../core/readable.js';
import { STAGE_TITLES, type StageName, type StageResult } from '../preflight/stages.js';
import { diagnose, type Diagnosis } from '../kafka/diagnosis.js';
import { appendJournal, readJournal } from './journal.js';
import type { CheckEntry } from '../report/model.js';
import { redact } from '../core/redact.js';
import type { CheckRecord } from '../record/result.js';
import { CONTROL_PLANE_INFO, type ControlPlaneStep, type ControlPlaneStepName } from '../record/control-plane.js';

/** What the helpers need of a test context (fixtures get the same three). */
export type CheckContext = Pick<TestContext, 'task' | 'skip' | 'annotate'>;

/** The test's name with its suites ("Smoke > publishes ..."), as reports show it. */
export function fullTestName(ctx: Pick<CheckContext, 'task'>): string {
  return ctx.task.fullTestName ?? ctx.task.name;
}

/** The check's frozen id, declared beside its title (`{ meta: { checkId: CHECK_ID.x } }`); a check without one is a bug. */
export function checkId(ctx: Pick<CheckContext, 'task'>): CheckId {
  const id = ctx.task.meta.checkId;
  if (!id) throw new Error(`check "${fullTestName(ctx)}" declares no id: give it { meta: { checkId: CHECK_ID.<name> } } (support/record/ids.ts)`);
  return id;
}

/** Stores the check's record on the task (for reporters) and its values as JUnit properties. */
export async function record(ctx: CheckContext, input: Omit<CheckRecord, 'id'>): Promise<void> {
  // Measured values are finite numbers or "n/a" wherever they are shown: JUnit, reports, messages.
  const check: CheckRecord = { ...input, id: checkId(ctx), measured: readableValues(input.measured), thresholds: readableValues(input.thresholds) };
  ctx.task.meta.check = check;
  for (const [k, v] of Object.entries(check.measured)) await ctx.annotate(redact(String(v)), `measured: ${k}`);
  for (const [k, v] of Object.entries(check.thresholds)) await ctx.annotate(redact(String(v)), `threshold: ${k}`);
  for (const w of check.warnings) await ctx.annotate(redact(w), 'warning');
  if (check.reason) await ctx.annotate(redact(check.reason), 'not run');
  if (check.diagnosis) await ctx.annotate(redact(`${check.diagnosis.cause}. Next: ${check.diagnosis.hint}`), 'diagnosis');
}

/** Records a check that could not run, and marks the test skipped with that reason. */
export async function notRun(ctx: CheckContext, reason: string): Promise<never> {
  await record(ctx, { measured: {}, thresholds: {}, warnings: [], reason });
  const journal = inject('journalFile');
  if (journal) {
    appendJournal(journal, {
      id: checkId(ctx),
      name: fullTestName(ctx),
      file: relative(process.cwd(), ctx.task.file.filepath),
      state: 'skip',
      check: ctx.task.meta.check,
      message: redact(reason),
    });
  }
  return ctx.skip(redact(reason));
}

/** An Error whose message says what failed, what was measured, the threshold and the likely cause; secrets redacted. */
export function checkFailure(parts: { what: string; measured?: Measured; thresholds?: Measured; cause?: string; hint?: string }): Error {
  const lines = [parts.what];
  if (parts.measured && Object.keys(parts.measured).length) lines.push(`Measured: ${formatMeasured(parts.measured)}`);
  if (parts.thresholds && Object.keys(parts.thresholds).length) lines.push(`Threshold: ${formatMeasured(parts.thresholds)}`);
  if (parts.cause) lines.push(`Likely cause: ${parts.cause}`);
  if (parts.hint) lines.push(`Next: ${parts.hint}`);
  const error = new Error(redact(lines.join('\n')));
  error.name = 'ReadinessCheckFailed';
  // The stack would only point into this helper; the message says everything.
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

/** The preflight, or a not-run skip when the configuration kept it from running. */
export async function requirePreflight(ctx: CheckContext) {
  const preflight = inject('preflight');
  if (!preflight) return notRun(ctx, `not run: ${inject('preflightSkipped') || 'no preflight result'}`);
  return preflight;
}

/** Asserts one connectivity stage from the run's preflight, with its measurements attached. */
export async function expectStage(ctx: CheckContext, stage: StageName): Promise<StageResult> {
  const preflight = await requirePreflight(ctx);
  const result = preflight.stages.find((s) => s.stage === stage);
  if (!result) throw checkFailure({ what: `${STAGE_TITLES[stage]}: no result recorded` });
  if (result.status === 'not-run') return notRun(ctx, result.message);
  const d = result.diagnosis;
  await record(ctx, {
    measured: { ...result.measured, 'duration ms': result.durationMs },
    thresholds: result.thresholds,
    warnings: result.warnings,
    diagnosis: d ? { failureClass: d.failureClass, cause: d.cause, hint: d.hint } : undefined,
  });
  if (result.status === 'fail') {
    throw checkFailure({
      what: `${STAGE_TITLES[stage]}: FAILED against ${preflight.endpoint}: ${result.message}`,
      measured: result.measured,
      thresholds: result.thresholds,
      cause: d ? `${d.cause} (${d.failureClass})` : undefined,
      hint: d?.hint,
    });
  }
  return result;
}

/** Asserts one control-plane step (what Fabric's REST API said), with its measurements attached. */
export async function expectControlPlaneStep(ctx: CheckContext, step: ControlPlaneStepName): Promise<ControlPlaneStep> {
  const cp = inject('controlPlane');
  const { title } = CONTROL_PLANE_INFO[step];
  const result = cp.steps.find((s) => s.step === step);
  if (!result) throw checkFailure({ what: `${title}: no result recorded` });
  if (result.status === 'not-run') return notRun(ctx, result.message);
  const d = result.diagnosis;
  await record(ctx, {
    measured: { ...result.measured, 'duration ms': result.durationMs },
    thresholds: result.thresholds,
    warnings: [...result.warnings],
    diagnosis: d,
  });
  if (result.status === 'fail') {
    const where = cp.eventstream ? `eventstream ${cp.eventstream.name ?? cp.eventstream.id}` : (cp.apiUrl ?? 'the Fabric REST API');
    throw checkFailure({
      what: `${title}: FAILED against ${where}: ${result.message}`,
      measured: result.measured,
      thresholds: result.thresholds,
      cause: d ? `${d.cause} (${d.failureClass})` : undefined,
      hint: d?.hint,
    });
  }
  return result;
}

/** Skips a delivery check with the reason when connectivity failed: its failure would only repeat that one. */
export async function requireConnectivity(ctx: CheckContext): Promise<void> {
  const preflight = await requirePreflight(ctx);
  if (!preflight.ok) {
    const failed = preflight.failedStage ? STAGE_TITLES[preflight.failedStage].split(':')[0] : 'a stage';
    await notRun(ctx, `not run: connectivity failed at ${failed} (see the Connectivity checks)`);
  }
}

/** The failure class a check failure's message names ("Likely cause: ... (authorization)"), as checkFailure writes it. */
export function failureClassIn(message: string | undefined): string | undefined {
  return /^Likely cause: .*\(([a-z-]+)\)$/m.exec(message ?? '')?.[1];
}

/** Classes an earlier authorization denial explains better than they explain themselves (Event Hubs may just close the connection). */
const FOLLOWS_FROM_DENIAL = new Set(['authorization', 'connection-lost', 'timeout', 'too-large', 'topic-missing', 'unknown']);

/**
 * One cause for the run: once a check has failed on an authorization denial, a later failure of the kind such a
 * denial produces is attributed to it, instead of blaming the connection or the size.
 */
export function explainByEarlierDenial(d: Diagnosis, earlier: readonly CheckEntry[]): Diagnosis {
  if (!FOLLOWS_FROM_DENIAL.has(d.failureClass)) return d;
  const denial = earlier.find((e) => e.state === 'fail' && failureClassIn(e.message) === 'authorization');
  if (!denial) return d;
  return {
    failureClass: 'authorization',
    cause: `the same authorization denial as "${denial.name}" earlier in this run${d.failureClass === 'authorization' ? '' : ` (here it showed as ${d.failureClass})`}`,
    hint: "fix the key's rights or scope first (see that check); this check cannot pass before it does",
    detail: d.detail,
  };
}

/** A diagnosis in the light of what this run has already shown (its journal). */
export function inRun(d: Diagnosis): Diagnosis {
  const journal = inject('journalFile');
  return explainByEarlierDenial(d, journal ? readJournal(journal) : []);
}

/** The diagnosis of an error, in the light of what this run has already shown. */
export function diagnoseInRun(error: unknown): Diagnosis {
  return inRun(diagnose(error));
}

/** A check failure built from a caught error: what was being done, plus the diagnosis of the error. */
export function failureFrom(what: string, error: unknown, extra: { measured?: Measured; thresholds?: Measured } = {}): Error {
  const d = diagnoseInRun(error);
  return checkFailure({ what: `${what}: ${d.detail}`, ...extra, cause: `${d.cause} (${d.failureClass})`, hint: d.hint });
}

/** Fails the check when a measured value breaks its threshold; the message carries both and the likely cause. */
export function expectWithin(
  what: string,
  measured: Measured,
  limits: ReadonlyArray<{ name: string; value: number; limit: number; kind: 'max' | 'min' }>,
  cause: string,
  hint: string,
): void {
  const broken = limits.filter((l) => (l.kind === 'max' ? l.value > l.limit : l.value < l.limit));
  if (broken.length === 0) return;
  const thresholds: Measured = {};
  for (const l of limits) thresholds[`${l.kind} ${l.name}`] = l.limit;
  throw checkFailure({
    what: `${what}: ${broken.map((l) => `${l.name} ${readableValue(l.value)} ${l.kind === 'max' ? '>' : '<'} ${l.kind} ${readableValue(l.limit)}`).join(', ')}`,
    measured,
    thresholds,
    cause,
    hint,
  });
}

/** A warn-level threshold: a value above it is reported as a warning on the check, never a failure. */
export interface WarnLimit {
  /** The measured value's name, as recorded ("ack max ms"). */
  readonly name: string;
  readonly value: number;
  readonly limit: number;
  /** The READINESS_* variable that sets the limit. */
  readonly setting: string;
  /** What a value above it most likely means. */
  readonly cause: string;
}

/** The warnings of the values above their warn-level limits: each names the check, the value, the limit and the likely cause. */
export function warningsAbove(what: string, limits: readonly WarnLimit[]): string[] {
  return limits
    .filter((l) => l.value > l.limit)
    .map((l) => `${what}: ${l.name} ${readableValue(l.value)} > warn ${readableValue(l.limit)} (${l.setting}); likely cause: ${l.cause}`);
}
