// Import boundaries (issue 11): dependencies run one way, harness and checks -> report, never back.
// `npm run lint:deps` (part of `npm test`) fails naming the rule a new import breaks.
/* global module -- a CommonJS config file: dependency-cruiser reads module.exports */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'report-imports-no-checks-or-setup',
      comment:
        'The report reads what the checks recorded (support/check-record.ts) and never reaches back into the harness or the checks: ' +
        'move a type it needs next to the check record or into support/report/model.ts.',
      severity: 'error',
      from: { path: '^support/report/' },
      to: { path: ['^support/setup/', '^support/checks\\.ts$', '^support/check-test\\.ts$', '^tests/'] },
    },
    {
      name: 'broker-imports-no-setup-or-report',
      comment: 'The local broker imitates Eventstream; it is started by the harness and knows nothing of it or of the report.',
      severity: 'error',
      from: { path: '^support/broker/' },
      to: { path: ['^support/setup/', '^support/report/'] },
    },
    {
      name: 'eventstream-facts-import-no-broker',
      comment: 'The imitation imports the facts of the real thing, never the reverse.',
      severity: 'error',
      from: { path: '^support/eventstream\\.ts$' },
      to: { path: '^support/broker/' },
    },
    {
      name: 'support-imports-no-tests',
      comment: 'tests/ stands on support/, not the other way round.',
      severity: 'error',
      from: { path: '^support/' },
      to: { path: '^tests/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes load order matter and hides which module owns what.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing would pass the other rules unseen.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^node_modules/', '^support/broker/sas-keys/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'],
      // Packages such as vitest/node and vega-lite are reachable only through their package.json "exports".
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'types', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
