// SASL_PLAINTEXT is accepted for the Event Hubs emulator's connection strings only: the environment check's rule,
// in-process. A run refusing it before any network stage is the environment check's failure, proven end to end by the
// fault matrix (tests/e2e/fault-matrix.test.ts); the emulator path passing is proven in tests/e2e/emulator.test.ts.
import { describe, expect, test } from 'vitest';
import { checkEndpointEnv } from '../../../support/inputs/config.js';

const EMULATOR_KEY = 'Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;';

describe('SASL_PLAINTEXT is for the emulator only', () => {
  const base = { FABRIC_KAFKA_BOOTSTRAP: 'localhost:9092', FABRIC_KAFKA_USERNAME: '$ConnectionString', FABRIC_TOPIC_TELEMETRY: 't', FABRIC_TOPIC_ORDERS: 't' };

  test("refused with a connection string that is not the emulator's, naming the variable", () => {
    const real = 'Endpoint=sb://es-x.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=abcdefgh';
    const { problems } = checkEndpointEnv({ ...base, FABRIC_KAFKA_PASSWORD: real, FABRIC_KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT' });
    // The environment check prints it as "FABRIC_KAFKA_SECURITY_PROTOCOL: expected SASL_SSL ...; found ... lacking UseDevelopmentEmulator=true".
    expect(problems).toEqual([
      expect.objectContaining({
        variable: 'FABRIC_KAFKA_SECURITY_PROTOCOL',
        expected: expect.stringMatching(/^SASL_SSL/),
        found: expect.stringContaining('lacking UseDevelopmentEmulator=true'),
      }),
    ]);
  });

  test("accepted with the emulator's; SASL_SSL stays the default; anything else is refused", () => {
    expect(checkEndpointEnv({ ...base, FABRIC_KAFKA_PASSWORD: EMULATOR_KEY, FABRIC_KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext' }).config?.securityProtocol).toBe(
      'SASL_PLAINTEXT',
    );
    expect(checkEndpointEnv({ ...base, FABRIC_KAFKA_PASSWORD: EMULATOR_KEY }).config?.securityProtocol).toBe('SASL_SSL');
    expect(checkEndpointEnv({ ...base, FABRIC_KAFKA_PASSWORD: EMULATOR_KEY, FABRIC_KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' }).problems[0]?.variable).toBe(
      'FABRIC_KAFKA_SECURITY_PROTOCOL',
    );
  });
});
