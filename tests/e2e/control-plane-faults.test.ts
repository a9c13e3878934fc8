// The control plane's rows of the fault matrix: `vitest run --project fabric` against the shared broker and a local
// stand-in of Fabric's REST API, one fault at a time: exit code, first failing check, its words, a time bound, no leak.
import { afterEach, beforeEach, describe, expect, inject, test } from 'vitest';
import { STANDIN_NODES, standInEndpoints, standInEnv, startFabricStandIn, type FabricStandIn } from '../../support/broker/fabric-standin.js';
import { QUICK } from '../../support/dev/quick.js';
import { runSuite, type SuiteRun } from '../../support/dev/run-suite.js';

const shared = inject('selfBroker');
/** A whole fabric run (control plane, then the quick Kafka checks) that fails or passes on the control plane's word. */
const RUN_BOUND_MS = 30000;
/** An API that accepts TCP and never answers: the control plane's verdict comes within this. */
const HANG_VERDICT_MS = 10000;

function secretParts(connectionString: string): string[] {
  const key = /SharedAccessKey=([^;]+)/.exec(connectionString)?.[1];
  return key ? [connectionString, key] : [connectionString];
}

const first = (run: SuiteRun) => run.cases.find((c) => c.status === 'fail');
const caseNamed = (run: SuiteRun, part: string) => run.cases.find((c) => c.name.includes(part));
const property = (run: SuiteRun, casePart: string, name: string) => caseNamed(run, casePart)?.properties.find((p) => p.name === name)?.value;
const summary = (run: SuiteRun) => `${JSON.stringify(run.cases.map((c) => [c.name.slice(0, 50), c.status]))}\n${run.stderr.slice(-1500)}`;

describe('control-plane fault matrix (stand-in of the Fabric REST API, shared broker)', () => {
  let standIn: FabricStandIn;
  let secrets: string[];
  beforeEach(async () => {
    standIn = await startFabricStandIn(standInEndpoints({ env: shared.env, keys: shared.keys }));
    const keys = shared.keys;
    const endpoints = standInEndpoints({ env: shared.env, keys });
    secrets = [
      standIn.token,
      shared.connectionString,
      ...Object.values(keys.byTopic),
      keys.namespace,
      keys.listenOnly,
      endpoints.telemetry.primaryConnectionString,
      endpoints.telemetry.secondaryConnectionString,
    ].flatMap(secretParts);
  });
  afterEach(async () => {
    // The suite only reads: whatever a row did, the stand-in saw nothing but GETs.
    expect(standIn.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    await standIn.stop();
  });

  const run = (envFile: Record<string, string>, env: Record<string, string> = {}) =>
    runSuite({ project: 'fabric', envFile, env: { ...QUICK, ...env }, timeoutMs: 90000 });
  // A row whose fault the control plane judges needs only its checks and the Environment's: the Kafka checks after them
  // prove nothing new about it (the passing rows below run the whole suite).
  const runControlPlaneChecks = (envFile: Record<string, string>, env: Record<string, string> = {}) =>
    runSuite({
      project: 'fabric',
      envFile,
      env: { ...QUICK, ...env },
      timeoutMs: 90000,
      extraArgs: ['tests/00-eventstream.test.ts', 'tests/01-environment.test.ts'],
    });
  const withControlPlane = (extra: Record<string, string> = {}) => ({ ...shared.env, ...standInEnv(standIn), ...extra });

  /** Non-zero exit, the first failing check and its words, bounded, no secret anywhere, nothing left behind. */
  function expectFault(r: SuiteRun, e: { first: string; message: RegExp }): void {
    expect(r.code, summary(r)).not.toBe(0);
    const f = first(r);
    expect(f?.name, summary(r)).toContain(e.first);
    expect(f?.failureMessage).toMatch(e.message);
    expect(f?.failureMessage).toMatch(/Likely cause/);
    expect(r.durationMs).toBeLessThan(RUN_BOUND_MS);
    expectClean(r);
  }
  function expectClean(r: SuiteRun): void {
    for (const secret of secrets) expect(r.allOutput.includes(secret), 'a secret was printed or reported').toBe(false);
    expect(r.leftoverProcesses).toEqual([]);
    expect(r.leftoverFiles).toEqual([]);
  }

  test("a destination Failed with an error fails Destinations, quoting Fabric's errorCode, errorMessage and errorDetails", async () => {
    standIn.setNode(STANDIN_NODES.eventhouse, {
      status: 'Failed',
      error: { errorCode: 'TableMappingNotFound', errorMessage: 'the ingestion mapping was deleted', errorDetails: ['mapping telemetry_json'] },
    });
    const r = await runControlPlaneChecks(withControlPlane());
    expectFault(r, {
      first: 'Destinations',
      message: /eventhouse-telemetry \(Eventhouse.*Failed.*TableMappingNotFound: the ingestion mapping was deleted; detail mapping telemetry_json/s,
    });
    expect(r.readiness?.readiness.find((row) => row.name === 'EventstreamRunning')?.status).toBe('Action Required');
  });

  test('the custom endpoint source Paused fails Sources: events do not flow', async () => {
    standIn.setNode(STANDIN_NODES.source, { status: 'Paused' });
    const r = await runControlPlaneChecks(withControlPlane());
    expectFault(r, { first: 'Sources', message: /readiness-endpoint \(CustomEndpoint\): Paused \(events do not flow\)/ });
    expect(caseNamed(r, 'Custom endpoint')?.status).toBe('fail');
  });

  test('a connector in Warning fails Sources when READINESS_CONTROL_PLANE_WARNING=fail', async () => {
    standIn.setNode(STANDIN_NODES.connector, { status: 'Warning' });
    const r = await runControlPlaneChecks(withControlPlane(), { READINESS_CONTROL_PLANE_WARNING: 'fail' });
    expectFault(r, { first: 'Sources', message: /sample-bicycles .*Warning/ });
  });

  test('passes: a connector in Warning warns, destinations Creating then Running settle, one 429 waits its Retry-After', async () => {
    standIn.setNode(STANDIN_NODES.connector, { status: 'Warning' });
    standIn.setNode(STANDIN_NODES.lakehouse, { status: 'Creating', runningFromTopologyRead: 2 });
    standIn.script({ throttle: 1 });
    const r = await run(withControlPlane());
    expect(r.code, summary(r)).toBe(0);
    expect(
      caseNamed(r, 'Sources')
        ?.properties.filter((p) => p.name === 'warning')
        .map((p) => p.value),
    ).toEqual([expect.stringMatching(/sample-bicycles .*Warning/)]);
    expect(Number(property(r, 'Sources', 'measured: topology reads'))).toBeGreaterThanOrEqual(2);
    const throttled = r.cases.flatMap((c) => c.properties.filter((p) => p.name === 'measured: throttled ms').map((p) => Number(p.value)));
    expect(throttled).toHaveLength(1);
    expect(throttled[0]).toBeGreaterThanOrEqual(900);
    expect(r.cases.some((c) => c.properties.some((p) => p.name === 'warning' && /429.*Retry-After/.test(p.value)))).toBe(true);
    expectClean(r);
  });

  test('a refused token fails Eventstream found with InvalidToken, naming the audience and expiry', async () => {
    standIn.script({ refuseTokens: true });
    const r = await runControlPlaneChecks(withControlPlane());
    expectFault(r, { first: 'Eventstream found', message: /InvalidToken|401/ });
    expect(first(r)?.failureMessage).toMatch(/audience|expir/);
    expect(first(r)?.failureMessage).toMatch(/requestId/);
  });

  test('a 403 on connections with discovery asked for fails Custom endpoint, naming the role and FABRIC_KAFKA_*', async () => {
    standIn.script({ forbidConnections: true });
    const env = withControlPlane();
    for (const k of ['FABRIC_KAFKA_BOOTSTRAP', 'FABRIC_KAFKA_PASSWORD', 'FABRIC_ORDERS_PASSWORD', 'FABRIC_ORDERS_BOOTSTRAP', 'FABRIC_ORDERS_USERNAME'])
      delete env[k];
    const r = await runControlPlaneChecks({ ...env, FABRIC_KAFKA_PORT: String(shared.saslPort) });
    expectFault(r, { first: 'Custom endpoint', message: /Contributor/ });
    expect(first(r)?.failureMessage).toMatch(/FABRIC_KAFKA_/);
    // The topology checks still ran.
    expect(caseNamed(r, 'Sources')?.status).toBe('pass');
    expect(caseNamed(r, 'Destinations')?.status).toBe('pass');
  });

  test("a configured bootstrap that is not this eventstream's fails Custom endpoint, naming both values", async () => {
    const r = await runControlPlaneChecks(withControlPlane({ FABRIC_KAFKA_BOOTSTRAP: `127.0.0.1:${shared.saslPort}` }));
    expectFault(r, { first: 'Custom endpoint', message: /FABRIC_KAFKA_BOOTSTRAP host 127\.0\.0\.1 is not readiness-endpoint's namespace localhost/ });
  });

  test('an unknown eventstream name fails Eventstream found, naming FABRIC_EVENTSTREAM_ID and the name', async () => {
    const r = await runControlPlaneChecks(withControlPlane({ FABRIC_EVENTSTREAM_ID: 'no-such-eventstream' }));
    expectFault(r, { first: 'Eventstream found', message: /FABRIC_EVENTSTREAM_ID="no-such-eventstream": no eventstream named "no-such-eventstream"/ });
  });

  test('an API that accepts TCP and never answers is judged in under 10 s', async () => {
    standIn.script({ hang: true });
    const r = await runControlPlaneChecks(withControlPlane());
    expectFault(r, { first: 'Eventstream found', message: /did not answer|timed out|timeout/i });
    expect(Number(property(r, 'Eventstream found', 'measured: duration ms'))).toBeLessThan(HANG_VERDICT_MS);
  });

  test('discovery: only workspace, eventstream, API URL and token given; the run passes on the keys Fabric returned, both logged in', async () => {
    const { FABRIC_API_TOKEN, ...settings } = standInEnv(standIn);
    const env: Record<string, string> = {
      ...settings,
      FABRIC_KAFKA_PORT: String(shared.saslPort),
      FABRIC_KAFKA_CA_FILE: shared.env.FABRIC_KAFKA_CA_FILE ?? '',
    };
    // The token comes from the environment, as CI's login gives it: no secret is read from any file.
    const r = await run(env, { FABRIC_API_TOKEN: FABRIC_API_TOKEN ?? '' });
    expect(r.code, summary(r)).toBe(0);
    expect(property(r, 'FABRIC_KAFKA_BOOTSTRAP is', 'measured: provided by')).toMatch(/Fabric/);
    expect(property(r, 'FABRIC_KAFKA_PASSWORD is set', 'measured: provided by')).toMatch(/Fabric/);
    expect(Number(property(r, 'SASL: the endpoint', 'measured: secondary key login ms'))).toBeGreaterThan(0);
    // The round trip read back through the custom endpoint destination Fabric named, with its consumer group.
    expect(caseNamed(r, 'reads back every event')?.status).toBe('pass');
    expect(r.readiness?.controlPlane?.discovered).toEqual(
      expect.arrayContaining(['FABRIC_CONSUMER_BOOTSTRAP', 'FABRIC_CONSUMER_PASSWORD', 'FABRIC_CONSUMER_TOPIC', 'FABRIC_CONSUMER_GROUP']),
    );
    expect(r.readiness?.readiness.find((row) => row.name === 'SecretsStored')?.evidence).toMatch(/fetched at run time/);
    expect(r.readiness?.readiness.find((row) => row.name === 'EventstreamRunning')?.status).toBe('Pass');
    expect(r.readiness?.readiness.find((row) => row.name === 'TestEventsFiltered')?.status).toBe('Pass');
    expectClean(r);
  });
});
