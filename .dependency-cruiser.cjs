// Import boundaries: support/ is layered, and each layer imports only from the layers below it.
// `npm run lint:deps` (part of `npm test`) fails naming the rule a new import breaks.
//
//   harness    the projects' global setups and setup files (start a broker, run the preflight, provide inputs)
//   checks     what the check files stand on: fixtures, verdicts, the run journal
//   monitoring a finished run's figures pushed to a Prometheus Pushgateway and over OTLP (only the run's end loads it)
//   report     the readiness report, its gate, trends, charts and renderers
//   capacity   the sharded capacity load and its merge
//   workload   payloads, delivery accounting, round trip
//   preflight  the staged connectivity probes
//   fabric     Fabric's REST API (the control plane): identity, client, topology, the control-plane verdicts
//   kafka      Kafka clients: kafkajs settings, the wire client, produce, diagnosis
//   inputs     settings, endpoint config, paths, secrets: parsed once at the edge
//   record     check ids, what a check records, the stage titles, the event marker
//   core       deadlines, redaction, statistics, histograms, cleanup, readable values
//   facts      Eventstream's documented facts and the Kafka error table
//
// Beside the layers: broker/ imitates Eventstream (it may use the facts and the low layers, never the harness,
// checks or report), and dev/ holds what only tests and scripts use (self-test runner, delay relay, profiler).
/* global module -- a CommonJS config file: dependency-cruiser reads module.exports */
const LAYERS = ['facts', 'core', 'record', 'inputs', 'kafka', 'fabric', 'preflight', 'workload', 'capacity', 'report', 'monitoring', 'checks', 'harness'];
const folder = (name) => `^support/${name}/`;
const above = (name) => LAYERS.slice(LAYERS.indexOf(name) + 1).map(folder);

/** One rule per layer: nothing from a layer above it (type-only imports of a layer above are refused too). */
const layerRules = LAYERS.slice(0, -1).map((name) => ({
  name: `${name}-imports-only-below`,
  comment: `support/${name}/ stands on ${LAYERS.slice(0, LAYERS.indexOf(name)).join(', ') || 'nothing in support/'}; move what it needs down a layer.`,
  severity: 'error',
  from: { path: folder(name) },
  to: { path: [...above(name), '^support/broker/', '^support/dev/'] },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'report-loads-no-kafka-client',
      comment:
        'The report reads what the checks recorded; it may import the types of the preflight, the Kafka layer and the workloads, ' +
        'never load them (loading the reporter must not load kafkajs or open sockets): move a value it needs down to support/record/.',
      severity: 'error',
      from: { path: folder('report') },
      to: { path: [folder('kafka'), folder('fabric'), folder('preflight'), folder('workload')], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'monitoring-reads-reports-only',
      comment:
        'support/monitoring/ turns a finished report into samples and pushes them: it may load core, record and inputs, and read the ' +
        'types of the report (and of what it holds), never load the Kafka client, the workloads or the report code.',
      severity: 'error',
      from: { path: folder('monitoring') },
      to: {
        path: [folder('kafka'), folder('fabric'), folder('preflight'), folder('workload'), folder('capacity'), folder('report')],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'monitoring-only-at-the-end-of-a-run',
      comment: 'Only the end of a run pushes (the harness reporter, the capacity merge script) and tests: no check or report code loads support/monitoring/.',
      severity: 'error',
      from: { path: '^support/', pathNot: ['^support/monitoring/', '^support/harness/'] },
      to: { path: folder('monitoring') },
    },
    {
      name: 'broker-is-an-imitation',
      comment:
        'The local broker imitates Eventstream: it may use the facts and the low layers, never the harness, the checks, the ' +
        'report or the workloads (the imitation imports the facts of the real thing, never the reverse).',
      severity: 'error',
      from: { path: '^support/broker/' },
      to: { path: ['^support/(preflight|workload|capacity|report|checks|harness|dev)/'] },
    },
    {
      name: 'dev-only-for-tests-and-scripts',
      comment: 'support/dev/ (self-test runner, delay relay, profiler) serves tests and scripts only; nothing a user runs loads it.',
      severity: 'error',
      from: { path: '^support/', pathNot: '^support/dev/' },
      to: { path: '^support/dev/' },
    },
    {
      name: 'support-imports-no-tests',
      comment: 'tests/ stands on support/, not the other way round.',
      severity: 'error',
      from: { path: '^support/' },
      to: { path: '^tests/' },
    },
    {
      name: 'no-stray-support-files',
      comment: 'Every support/ module lives in its layer folder, so its place in the order shows in its path.',
      severity: 'error',
      from: { path: '^support/[^/]+\\.ts$' },
      to: {},
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
