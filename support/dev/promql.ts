// Reads which metric names and labels a PromQL expression refers to, so the self tests can hold the shipped alert rules
// and Grafana dashboard to the metric table. A tokenizer, not a parser: promtool judges the syntax.

/** One vector selector: its metric name (absent for a bare `{...}`) and the labels its matchers name. */
export interface PromqlSelector {
  readonly metric: string | undefined;
  readonly labels: readonly string[];
}

export interface PromqlReferences {
  readonly selectors: readonly PromqlSelector[];
  /** Labels named by `by`, `without`, `on`, `ignoring`, `group_left` and `group_right`. */
  readonly groupingLabels: readonly string[];
  /** Identifiers called like functions that PromQL does not have (a typo, or a metric name used as one). */
  readonly unknownFunctions: readonly string[];
}

/** PromQL's functions and aggregation operators (Prometheus 2.x and 3.x). */
export const PROMQL_FUNCTIONS: ReadonlySet<string> = new Set(
  (
    'abs absent absent_over_time acos acosh asin asinh atan atanh avg_over_time ceil changes clamp clamp_max clamp_min ' +
    'cos cosh count_over_time day_of_month day_of_week day_of_year days_in_month deg delta deriv exp floor ' +
    'histogram_avg histogram_count histogram_fraction histogram_quantile histogram_stddev histogram_stdvar histogram_sum ' +
    'holt_winters double_exponential_smoothing hour idelta increase irate label_join label_replace last_over_time ln ' +
    'log10 log2 mad_over_time max_over_time min_over_time minute month pi predict_linear present_over_time ' +
    'quantile_over_time rad rate resets round scalar sgn sin sinh sort sort_by_label sort_by_label_desc sort_desc sqrt ' +
    'stddev_over_time stdvar_over_time sum_over_time tan tanh time timestamp vector year ' +
    'sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk limit_ratio'
  ).split(' '),
);

const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan', 'start', 'end']);

// Strings, Grafana variables ($var, ${var}), numbers and durations (5m, 1h30m, 1e3), identifiers, then one-character tokens.
const TOKEN = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\$\{?\w+\}?|\d[\w.]*|[A-Za-z_:][\w:]*|\s+|./g;
const IDENT = /^[A-Za-z_:][\w:]*$/;

function tokens(expr: string): string[] {
  return (expr.match(TOKEN) ?? []).filter((t) => !/^\s+$/.test(t));
}

/** The label names inside a selector's braces: the identifier before each matcher operator. */
function matcherLabels(toks: readonly string[], open: number): { labels: string[]; close: number } {
  const labels: string[] = [];
  let i = open + 1;
  for (; i < toks.length && toks[i] !== '}'; i++) {
    const t = toks[i] ?? '';
    if (IDENT.test(t) && ['=', '!'].includes(toks[i + 1] ?? '')) labels.push(t);
  }
  return { labels, close: i };
}

/** The identifiers of a parenthesised label list after a grouping keyword. */
function groupList(toks: readonly string[], open: number): { labels: string[]; close: number } {
  const labels: string[] = [];
  let i = open + 1;
  for (; i < toks.length && toks[i] !== ')'; i++) if (IDENT.test(toks[i] ?? '')) labels.push(toks[i] ?? '');
  return { labels, close: i };
}

/** The metric names, matcher labels and grouping labels an expression names (strings and ranges skipped). */
export function promqlReferences(expr: string): PromqlReferences {
  const toks = tokens(expr);
  const selectors: PromqlSelector[] = [];
  const groupingLabels: string[] = [];
  const unknownFunctions: string[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] ?? '';
    const next = toks[i + 1];
    if (t === '[') {
      while (i < toks.length && toks[i] !== ']') i++; // a range or subquery: durations only
    } else if (t === '{') {
      const { labels, close } = matcherLabels(toks, i);
      selectors.push({ metric: undefined, labels });
      i = close;
    } else if (!IDENT.test(t) || KEYWORDS.has(t)) {
      continue;
    } else if (GROUPING.has(t)) {
      if (next !== '(') continue; // group_left without a label list
      const { labels, close } = groupList(toks, i + 1);
      groupingLabels.push(...labels);
      i = close;
    } else if (next === '(' || ((next === 'by' || next === 'without') && PROMQL_FUNCTIONS.has(t))) {
      if (!PROMQL_FUNCTIONS.has(t)) unknownFunctions.push(t); // an aggregation may put its `by (...)` first
    } else if (next === '{') {
      const { labels, close } = matcherLabels(toks, i + 1);
      selectors.push({ metric: t, labels });
      i = close;
    } else {
      selectors.push({ metric: t, labels: [] });
    }
  }
  return { selectors, groupingLabels, unknownFunctions };
}

/** The labels an alert annotation reads from the alert: `$labels.x` (Go template). */
export function annotationLabels(template: string): string[] {
  return [...template.matchAll(/\$labels\.(\w+)/g)].map((m) => m[1] ?? '');
}

/** The labels a Grafana legend format shows: `{{x}}` or `{{ x }}`. */
export function legendLabels(legend: string): string[] {
  return [...legend.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? '');
}
