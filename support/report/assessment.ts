// "Is Eventstream enough?": tallies a team's workload profile against the notebook's criteria; informs, never gates.
import { parse as parseYaml } from 'yaml';

/** The notebook's criteria; `supports` says whether a "true" answer argues for Eventstream alone. */
export const CRITERIA = {
  moderate_throughput: { supports: true, text: 'throughput is moderate rather than extreme' },
  stable_contracts: { supports: true, text: 'event contracts are reasonably stable' },
  fabric_main_destination: { supports: true, text: 'primary destination is Fabric' },
  analytics_goal: { supports: true, text: 'goal is analytics, alerting, or activation' },
  fast_time_to_value: { supports: true, text: 'team wants fast time to value with managed ingestion' },
  strict_replay: { supports: false, text: 'strict replay guarantees are central' },
  many_consumer_decoupling: { supports: false, text: 'high-scale decoupling across many consumers is required' },
  protocol_mediation: { supports: false, text: 'protocol mediation is the main challenge' },
  integration_first: { supports: false, text: 'workload is enterprise integration first and analytics second' },
} as const;
export type CriterionKey = keyof typeof CRITERIA;

/** The notebook's trade-off checklist. */
export const TRADEOFFS = {
  governance: 'Governance: are source permissions, contracts, classification, and policy enforcement defined?',
  replay_durability: 'Replay and durability: do you need strict replay semantics, long retention, or broad decoupling?',
  schema_drift: 'Schema drift: can downstream consumers tolerate contract changes?',
  transformation_boundaries: 'Transformation boundaries: are you limiting Eventstream to lightweight shaping rather than deep orchestration?',
  burst_handling: 'Burst handling: can Eventstream absorb peak rates without a separate ingress layer?',
  team_ownership: 'Team ownership: will moving ingestion inward simplify or complicate operational ownership?',
} as const;
export type TradeoffKey = keyof typeof TRADEOFFS;

export interface WorkloadProfile {
  readonly criteria: Partial<Record<CriterionKey, boolean | null>>;
  readonly tradeoffs: Partial<Record<TradeoffKey, string | null>>;
}

export interface Assessment {
  readonly file: string;
  readonly for: number;
  readonly against: number;
  readonly verdict: 'enough' | 'enough-with-care' | 'not-enough' | 'undecided';
  readonly verdictText: string;
  readonly criteria: ReadonlyArray<{ key: CriterionKey; text: string; supports: boolean; answer: boolean | null }>;
  readonly tradeoffs: ReadonlyArray<{ key: TradeoffKey; question: string; answer: string | null; source: 'team' | 'measured' | 'unanswered' }>;
  readonly unanswered: readonly string[];
}

/** Parses a workload profile (YAML or JSON); errors name the file, the field and the form expected. */
type Fail = (field: string, expected: string) => never;

/** One section of the profile: a mapping whose keys must be known and whose values pass `read`. */
function readSection<T>(
  raw: unknown,
  section: string,
  o: { known: object; mapping: string; read: (value: unknown, key: string) => T; fail: Fail },
): Record<string, T> {
  const out: Record<string, T> = {};
  const value = raw ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) o.fail(section, o.mapping);
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!(key in o.known)) o.fail(`${section}.${key}`, `one of ${Object.keys(o.known).join(', ')}`);
    out[key] = o.read(v, `${section}.${key}`);
  }
  return out;
}

export function parseWorkloadProfile(text: string, file: string): WorkloadProfile {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new Error(`READINESS_WORKLOAD_FILE: ${file} is not valid YAML/JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const fail: Fail = (field, expected) => {
    throw new Error(`READINESS_WORKLOAD_FILE: ${file}: ${field}: expected ${expected}`);
  };
  if (!data || typeof data !== 'object' || Array.isArray(data)) fail('(root)', 'a mapping with "criteria" and "tradeoffs"');
  const root = data as Record<string, unknown>;
  for (const key of Object.keys(root)) if (key !== 'criteria' && key !== 'tradeoffs') fail(key, 'only "criteria" and "tradeoffs" at the top level');
  const criteria = readSection(root.criteria, 'criteria', {
    known: CRITERIA,
    mapping: 'a mapping of criterion: true/false',
    fail,
    read: (value, field) => (value !== null && typeof value !== 'boolean' ? fail(field, 'true, false, or empty (unanswered)') : value),
  });
  const tradeoffs = readSection(root.tradeoffs, 'tradeoffs', {
    known: TRADEOFFS,
    mapping: 'a mapping of area: answer',
    fail,
    read: (value, field) => {
      if (value !== null && typeof value !== 'string') fail(field, 'a text answer, or empty (unanswered)');
      return typeof value === 'string' && value.trim() ? value.trim() : null;
    },
  });
  return { criteria, tradeoffs };
}

/** Facts the run measured that answer trade-off questions the team left open. */
export interface MeasuredFacts {
  readonly burst?: string;
}

export function assess(profile: WorkloadProfile, file: string, facts: MeasuredFacts = {}): Assessment {
  const criteria = (Object.keys(CRITERIA) as CriterionKey[]).map((key) => ({
    key,
    text: CRITERIA[key].text,
    supports: CRITERIA[key].supports,
    answer: profile.criteria[key] ?? null,
  }));
  const forCount = criteria.filter((c) => c.supports && c.answer === true).length;
  const against = criteria.filter((c) => !c.supports && c.answer === true).length;
  const open = criteria.filter((c) => c.answer === null);
  const tradeoffs = (Object.keys(TRADEOFFS) as TradeoffKey[]).map((key) => {
    const team = profile.tradeoffs[key] ?? null;
    if (team) return { key, question: TRADEOFFS[key], answer: team, source: 'team' as const };
    if (key === 'burst_handling' && facts.burst) return { key, question: TRADEOFFS[key], answer: facts.burst, source: 'measured' as const };
    return { key, question: TRADEOFFS[key], answer: null, source: 'unanswered' as const };
  });
  let verdict: Assessment['verdict'];
  let verdictText: string;
  if (open.length > criteria.length / 2) {
    verdict = 'undecided';
    verdictText = `undecided: ${open.length} of ${criteria.length} criteria are unanswered`;
  } else if (against === 0 && forCount >= 3) {
    verdict = 'enough';
    verdictText = 'Eventstream is likely enough as the native ingress for this workload';
  } else if (against >= 2) {
    verdict = 'not-enough';
    verdictText = 'Eventstream alone is likely not enough: plan a dedicated broker or integration layer in front of Fabric';
  } else {
    verdict = 'enough-with-care';
    verdictText = 'Eventstream can work, with care: resolve the criteria that argue against it first';
  }
  return {
    file,
    for: forCount,
    against,
    verdict,
    verdictText,
    criteria,
    tradeoffs,
    unanswered: [...open.map((c) => `criteria.${c.key}: ${c.text}`), ...tradeoffs.filter((t) => t.source === 'unanswered').map((t) => t.question)],
  };
}
