// Every Kafka error the checks can meet maps to a specific cause and next step, through the one diagnosis path.
import { KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { diagnose } from '../../support/diagnosis.js';
import { KAFKA_ERRORS, kafkaErrorInText } from '../../support/kafka-errors.js';
import { KafkaProtocolError } from '../../support/wire.js';

describe('the Kafka error table', () => {
  test('codes and names are unique, and every entry has a cause and a next step', () => {
    expect(new Set(KAFKA_ERRORS.map((e) => e.code)).size).toBe(KAFKA_ERRORS.length);
    expect(new Set(KAFKA_ERRORS.map((e) => e.type)).size).toBe(KAFKA_ERRORS.length);
    for (const e of KAFKA_ERRORS) {
      expect(e.cause.length, e.type).toBeGreaterThan(15);
      expect(e.hint.length, e.type).toBeGreaterThan(15);
    }
  });

  test.each(KAFKA_ERRORS.map((e) => [e.type, e] as const))('%s from kafkajs is diagnosed as its own cause, never unknown', (_type, e) => {
    // kafkajs raises protocol errors with the code's number and name, as it decodes them from responses.
    const error = new KafkaJSProtocolError(Object.assign(new Error(`broker said ${e.type}`), { type: e.type, code: e.code, retriable: false }));
    const d = diagnose(error);
    expect(d.failureClass).toBe(e.failureClass);
    expect(d.cause).toBe(e.cause);
  });

  test.each(KAFKA_ERRORS.map((e) => [e.code, e] as const))('code %i from the preflight wire client is diagnosed the same way', (_code, e) => {
    expect(diagnose(new KafkaProtocolError(e.code, e.type, 'refused')).failureClass).toBe(e.failureClass);
  });

  test('POLICY_VIOLATION is throttling, not a client bug', () => {
    const d = diagnose(new Error('Policy Violation (POLICY_VIOLATION)'));
    expect(d.failureClass).toBe('throttled');
    expect(d.hint).toMatch(/throughput level/);
  });

  test('an endpoint without PLAIN names the mechanism Eventstream uses and suspects another kind of cluster', () => {
    const d = diagnose(new KafkaProtocolError(33, 'UNSUPPORTED_SASL_MECHANISM', 'the endpoint does not offer SASL PLAIN (it offers: SCRAM-SHA-512)'));
    expect(d.failureClass).toBe('sasl-mechanism');
    expect(d.cause).toMatch(/PLAIN with the username \$ConnectionString/);
    expect(d.hint).toMatch(/another kind of cluster/);
  });

  test('the firewall refusal, which arrives as TOPIC_AUTHORIZATION_FAILED, is still the firewall', () => {
    expect(diagnose(new Error('SASL authentication error: The request was rejected by firewall checks. (TOPIC_AUTHORIZATION_FAILED)')).failureClass).toBe('firewall');
  });

  test('a name inside a longer message is found', () => {
    expect(kafkaErrorInText('Request failed (REBALANCE_IN_PROGRESS) after 3 retries')?.failureClass).toBe('group');
    expect(kafkaErrorInText('nothing here')).toBeUndefined();
  });
});
