import { describe, expect, test } from 'vitest';
import { diagnose } from '../../../support/kafka/diagnosis.js';
import { redact, registerSecret } from '../../../support/core/redact.js';
import { readSettings } from '../../../support/inputs/settings.js';
import { formatProblem, parseConnectionString } from '../../../support/inputs/parsers.js';

describe('redact', () => {
  test('masks a registered secret and the SharedAccessKey inside it, wherever they appear', () => {
    const cs = 'Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=abcDEF123+/=;EntityPath=t';
    registerSecret(cs);
    expect(redact(`login with ${cs} failed`)).toBe('login with *** failed');
    expect(redact('key abcDEF123+/= leaked')).toBe('key *** leaked');
  });
  test('masks SharedAccessKey= parts even when never registered', () => {
    expect(redact('SharedAccessKeyName=k;SharedAccessKey=neverSeenBefore')).toBe('SharedAccessKeyName=k;SharedAccessKey=***');
  });
  test("leaves a format hint's placeholder alone, so a connection string without SharedAccessKey gets a readable hint", () => {
    const { problem } = parseConnectionString('Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k');
    const message = redact(formatProblem(problem as NonNullable<typeof problem>));
    expect(message).toContain('SharedAccessKeyName=<name>;SharedAccessKey=<key>[;EntityPath=<name>]');
    expect(message).not.toContain('***');
    // A real key beside a placeholder is still masked.
    expect(redact('SharedAccessKey=<key> or SharedAccessKey=abc123DEF')).toBe('SharedAccessKey=<key> or SharedAccessKey=***');
  });
});

describe('diagnose', () => {
  const code = (c: string, message = 'x') => Object.assign(new Error(message), { code: c });
  test.each([
    [code('ENOTFOUND', 'getaddrinfo ENOTFOUND nothing.invalid'), 'dns'],
    [code('ECONNREFUSED'), 'tcp-refused'],
    [code('ETCPTIMEOUT'), 'tcp-timeout'],
    [code('ETLSTIMEOUT'), 'tls-timeout'],
    [code('SELF_SIGNED_CERT_IN_CHAIN'), 'tls-untrusted'],
    [code('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls-hostname'],
    [code('CERT_HAS_EXPIRED'), 'tls-expired'],
    [Object.assign(new Error('SASL PLAIN authentication failed: Invalid username or password'), { name: 'KafkaJSSASLAuthenticationError' }), 'auth'],
    [new Error('SASL authentication error: The request was rejected by firewall checks. (TOPIC_AUTHORIZATION_FAILED)'), 'firewall'],
    [new Error('This server does not host this topic-partition'), 'topic-missing'],
    [new Error('The request included a message larger than the max message size the server will accept'), 'too-large'],
    [new Error('metadata request did not finish within 5000 ms'), 'timeout'],
  ])('%s is classified as %s', (error, expected) => {
    expect(diagnose(error).failureClass).toBe(expected);
  });
  test('an unknown error still gets a hint', () => {
    expect(diagnose(new Error('weird')).hint).toMatch(/READINESS_KAFKA_LOG/);
  });
});

describe('readSettings', () => {
  test('defaults apply and a valid override is taken', () => {
    expect(readSettings({}).TCP_TIMEOUT_MS).toBe(5000);
    expect(readSettings({ READINESS_TCP_TIMEOUT_MS: '1500' }).TCP_TIMEOUT_MS).toBe(1500);
  });
  test('an out-of-range value names the variable and the range', () => {
    expect(() => readSettings({ READINESS_TLS_CERT_FAIL_DAYS: '-1' })).toThrow(/READINESS_TLS_CERT_FAIL_DAYS: expected an integer from 0 to 3650/);
  });
});
