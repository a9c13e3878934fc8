// The gate's fault matrix, keys and limits: a wrong, foreign, scoped or Listen-only key, a missing topic, an event over
// the size limit, each a `vitest run --project fabric` against the shared broker (see fault-matrix.test.ts).
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { CONNECTIVITY_BOUND_MS, ENVIRONMENT_BOUND_MS, expectFault, secretParts, sharedBrokerFaults } from '../../support/dev/fault-matrix.js';

const { shared, keys, secrets, topicKey, run, without } = sharedBrokerFaults();

describe('fault matrix on the shared broker, keys and limits', () => {
  test('a wrong password fails at SASL as an auth error, and the report says so without either secret', async () => {
    const wrong = shared.connectionString.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${randomBytes(32).toString('base64')}`);
    const r = await run({ ...shared.env, FABRIC_KAFKA_PASSWORD: wrong });
    expectFault(r, {
      first: 'SASL:',
      message: /\(auth\).*\$ConnectionString/s,
      dependentsFrom: 'tests/02',
      boundMs: CONNECTIVITY_BOUND_MS,
      secrets: [...secrets, ...secretParts(wrong)],
    });
    expect(r.readiness?.checks.find((c) => c.id === 'connectivity.sasl')).toMatchObject({ status: 'Action Required', diagnosis: { failureClass: 'auth' } });
    expect(r.readinessMd).toContain('Likely cause:');
  });

  test('a missing topic fails at Topics, naming it', async () => {
    // A namespace key may ask for any topic: the answer is then the topic's absence, not a denial.
    const r = await run({ ...shared.env, FABRIC_ORDERS_PASSWORD: keys.namespace, FABRIC_TOPIC_ORDERS: 'no-such-topic' });
    expectFault(r, { first: 'Topics:', message: /no-such-topic.*\(topic-missing\)/s, dependentsFrom: 'tests/03', boundMs: CONNECTIVITY_BOUND_MS, secrets });
  });

  test("a key scoped to another topic (orders' key for telemetry) fails the environment check on its EntityPath, before any network stage", async () => {
    const r = await run({ ...shared.env, FABRIC_KAFKA_PASSWORD: topicKey('orders'), FABRIC_TOPIC_TELEMETRY: 'telemetry' });
    expectFault(r, {
      first: 'EntityPath',
      message: /EntityPath=orders \(from FABRIC_KAFKA_PASSWORD\), used for FABRIC_TOPIC_TELEMETRY=telemetry/,
      dependentsFrom: 'tests/02',
      boundMs: ENVIRONMENT_BOUND_MS,
      secrets,
    });
    expect(r.stderr).not.toContain('[readiness fabric] dns');
  });

  test("with the EntityPath check relaxed (warn), a key scoped to one topic meets the broker's denial of another at Topics, naming the EntityPath", async () => {
    // One key for both topics (no FABRIC_ORDERS_PASSWORD): the broker answers as Event Hubs, TOPIC_AUTHORIZATION_FAILED for orders.
    const r = await run(without('FABRIC_ORDERS_PASSWORD'), { READINESS_ENTITY_PATH_CHECK: 'warn' });
    expectFault(r, {
      first: 'Topics:',
      message:
        /orders topic "orders" with key key_telemetry from FABRIC_KAFKA_PASSWORD \(EntityPath=telemetry\).*TOPIC_AUTHORIZATION_FAILED.*\(authorization\).*reaches only "telemetry", not "orders"/s,
      dependentsFrom: 'tests/03',
      boundMs: CONNECTIVITY_BOUND_MS,
      secrets,
    });
  });

  test('a Listen-only key: the login works, the first send is denied as authorization, and later checks name that one cause', async () => {
    // Telemetry's Listen-only key (no Send right): every stage passes, since describing the topic is allowed.
    const r = await run({ ...shared.env, FABRIC_KAFKA_PASSWORD: keys.listenOnly });
    expectFault(r, {
      first: 'publishes telemetry events',
      message: /TOPIC_AUTHORIZATION_FAILED|not authorized|\(authorization\)/s,
      boundMs: CONNECTIVITY_BOUND_MS * 2,
      secrets,
    });
    expect(r.cases.find((c) => c.name.includes('publishes telemetry events'))?.failureMessage).toMatch(/\(authorization\)/);
    // The keyed checks fail for the same reason, and say so instead of blaming the connection or the size.
    const keyed = r.cases.filter((c) => c.suite.includes('04-keyed') && c.status === 'fail');
    expect(keyed.length).toBeGreaterThan(0);
    for (const c of keyed) expect(c.failureMessage, c.name).toMatch(/the same authorization denial as "Smoke > publishes telemetry events/);
    // The orders topic, with its own Send key, still takes the burst.
    expect(r.cases.find((c) => c.name.includes('absorbs a max-rate burst'))?.status).toBe('pass');
  });

  test('a key that may not write to the orders topic: every failure names "orders" and the one authorization cause, none a size or a fixed next step', async () => {
    // Orders' Listen-only key: the stages pass (it may describe), telemetry's checks pass, every write to orders is denied.
    const r = await run({ ...shared.env, FABRIC_ORDERS_PASSWORD: keys.listenOnlyByTopic.orders ?? '' });
    expectFault(r, { first: 'acknowledges every order sent', message: /"orders".*\(authorization\)/s, boundMs: CONNECTIVITY_BOUND_MS * 2, secrets });
    const failed = r.cases.filter((c) => c.status === 'fail' && !c.suite.includes('09-readiness'));
    expect(failed.map((c) => c.suite)).toEqual(expect.arrayContaining(['tests/05-burst.test.ts', 'tests/07-size-limits.test.ts']));
    for (const c of failed) {
      expect(c.failureMessage, c.name).toMatch(/"orders"/);
      expect(c.failureMessage, c.name).toMatch(/^Likely cause: .*\(authorization\)$/m);
      expect(c.failureMessage, c.name).not.toMatch(/^Next: the endpoint or the path to it failed during the check/m);
    }
    const message = (title: string) => r.cases.find((c) => c.name.includes(title))?.failureMessage ?? '';
    expect(message('accepts an event just under')).not.toMatch(/bytes was refused|accepts up to 1 MB/);
    expect(message('accepts an event just under')).toMatch(/the same authorization denial as "Burst > acknowledges every order sent/);
    expect(message('refuses an event over the limit')).not.toMatch(/^an event of \d+ bytes|after refusing/);
    expect(message('refuses an event over the limit')).toMatch(/^Next: fix the key's rights or scope first/m);
  });

  test('a key of another namespace (Endpoint=sb://other.servicebus.windows.net/) fails at SASL as an auth error', async () => {
    const elsewhere = shared.connectionString.replace('sb://localhost/', 'sb://other.servicebus.windows.net/');
    const r = await run({ ...shared.env, FABRIC_KAFKA_PASSWORD: elsewhere, FABRIC_CONSUMER_PASSWORD: elsewhere });
    expectFault(r, {
      first: 'SASL:',
      message: /not this namespace.*\(auth\)/s,
      dependentsFrom: 'tests/02',
      boundMs: CONNECTIVITY_BOUND_MS,
      secrets: [...secrets, ...secretParts(elsewhere)],
    });
  });

  test('an event over the size limit fails the size check, naming the limit', async () => {
    // 1,046,520 bytes of JSON plus the record batch overhead is just over the broker's 1,046,528 bytes.
    const r = await run(shared.env, { READINESS_SIZE_ACCEPTED_BYTES: '1046520' });
    expectFault(r, {
      first: 'accepts an event just under the 1 MB limit',
      message: /1046520 bytes was refused.*1 MB.*\(too-large\)/s,
      boundMs: 60000,
      secrets,
    });
  });
});
