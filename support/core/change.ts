// One rule for "worse by more than the tolerance": the percent change the regression gate, the trend and the report read.

/** Percent change from `from` to `to`, relative to |from|, to one decimal; from 0 there is no base: +Infinity. */
export function percentChange(from: number, to: number): number {
  return from === 0 ? Number.POSITIVE_INFINITY : Math.round(((to - from) / Math.abs(from)) * 1000) / 10;
}

export interface ChangeRule {
  readonly better: 'higher' | 'lower';
  /** How far, in percent, a value may move the wrong way before it counts. */
  readonly tolerancePct: number;
  /** Rises no larger than this in absolute terms never count (latencies: tiny local numbers must not flap). */
  readonly minRise?: number;
}

/** The change from `from` to `to`, and whether it is worse beyond the rule's tolerance. */
export function judgeChange(from: number, to: number, rule: ChangeRule): { changePct: number; worse: boolean } {
  const changePct = percentChange(from, to);
  const worse =
    rule.better === 'higher' ? changePct < -rule.tolerancePct : changePct > rule.tolerancePct && (rule.minRise === undefined || to - from > rule.minRise);
  return { changePct, worse };
}
