// Auth refusal: a client with a wrong password is refused, proving the endpoint enforces authentication.
import { CHECK_ID } from '../support/record/ids.js';
import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import { checkFailure } from '../support/checks/verdict.js';
import { connectWithin, disconnectWithin } from '../support/core/deadline.js';
import { diagnose } from '../support/kafka/diagnosis.js';
import { check, checkTimeouts, collectionSettings } from '../support/checks/fixtures.js';
import { createKafka } from '../support/kafka/client.js';
import { createProducer } from '../support/kafka/produce.js';

/** Above the check's own send deadline, so a slow endpoint fails with the check's message, not Vitest's. */
const TIMEOUT = checkTimeouts(collectionSettings()).send;

/** A password of the same shape that cannot be right: the connection string with a fresh random key. */
function wrongPassword(password: string): string {
  const swapped = password.replace(/(SharedAccessKey=)[^;]+/i, (_m, p: string) => `${p}${randomBytes(32).toString('base64')}`);
  return swapped !== password ? swapped : randomBytes(24).toString('base64');
}

describe('Auth refusal', () => {
  check(
    'refuses a producer with a wrong password, as an authentication error',
    { timeout: TIMEOUT, meta: { checkId: CHECK_ID.authRefusal } },
    async ({ endpoint, settings, recordCheck }) => {
      const producer = createProducer(
        createKafka(endpoint, settings, { clientId: 'readiness-wrong-password', password: wrongPassword(endpoint.password) }),
        settings,
      );
      const start = performance.now();
      let refusal: unknown;
      try {
        await connectWithin(producer, settings.KAFKA_CONNECT_TIMEOUT_MS * 2, 'connect with a wrong password');
      } catch (error) {
        refusal = error;
      } finally {
        await disconnectWithin(producer, 3000);
      }
      const ms = Math.round(performance.now() - start);
      if (refusal === undefined) {
        throw checkFailure({
          what: 'a producer with a wrong password connected',
          measured: { 'ms to verdict': ms },
          cause: 'the endpoint does not enforce authentication',
          hint: 'anyone who can reach it can publish: check the endpoint is the Eventstream one and SAS auth is on',
        });
      }
      const d = diagnose(refusal);
      await recordCheck({ measured: { 'refused as': d.failureClass, 'ms to verdict': ms }, thresholds: { 'expected class': 'auth' }, warnings: [] });
      if (d.failureClass !== 'auth') {
        throw checkFailure({
          what: `the wrong password was refused, but not as an authentication error: ${d.detail}`,
          measured: { 'refused as': d.failureClass, 'ms to verdict': ms },
          thresholds: { 'expected class': 'auth' },
          cause: `${d.cause} (${d.failureClass})`,
          hint: d.hint,
        });
      }
    },
  );
});
