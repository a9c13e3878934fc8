// Every Kafka error the checks can meet maps to a specific cause and next step, through the one diagnosis path.
import { KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { checkFailure, explainByEarlierDenial, failureClassIn } from '../../../support/checks/verdict.js';
import { diagnose } from '../../../support/kafka/diagnosis.js';
import { KAFKA_ERRORS, kafkaErrorInText } from '../../../support/facts/kafka-errors.js';
import type { CheckEntry } from '../../../support/report/model.js';
import { KafkaProtocolError } from '../../../support/kafka/wire.js';

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

  test.each([
    ['a topic authorization refusal in words', 'Not authorized to access topic: [telemetry]', 'TOPIC_AUTHORIZATION_FAILED'],
    ['a SASL refusal in words', 'SASL PLAIN authentication failed: Invalid credentials', 'SASL_AUTHENTICATION_FAILED'],
    ['a missing topic in words', 'This server does not host this topic-partition', 'UNKNOWN_TOPIC_OR_PARTITION'],
    ['an oversized event in words', 'The request included a message larger than the max message size the server will accept', 'MESSAGE_TOO_LARGE'],
  ])('%s is explained by the table entry of %s (one copy of each explanation)', (_what, message, type) => {
    const e = KAFKA_ERRORS.find((k) => k.type === type);
    const d = diagnose(new Error(message));
    expect({ failureClass: d.failureClass, cause: d.cause, hint: d.hint }).toEqual({ failureClass: e?.failureClass, cause: e?.cause, hint: e?.hint });
  });

  test('a topic refused in words carries the EntityPath advice of the table', () => {
    expect(diagnose(new Error('Not authorized to access topic: [orders]')).hint).toMatch(/EntityPath reaches its own event hub only/);
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
    expect(diagnose(new Error('SASL authentication error: The request was rejected by firewall checks. (TOPIC_AUTHORIZATION_FAILED)')).failureClass).toBe(
      'firewall',
    );
  });

  test('a name inside a longer message is found', () => {
    expect(kafkaErrorInText('Request failed (REBALANCE_IN_PROGRESS) after 3 retries')?.failureClass).toBe('group');
    expect(kafkaErrorInText('nothing here')).toBeUndefined();
  });
});

describe('one cause for the run', () => {
  const denied: CheckEntry = {
    id: 'smoke',
    name: 'Smoke > publishes telemetry events',
    file: 'tests/03-smoke.test.ts',
    state: 'fail',
    message: 'send was not acknowledged\nLikely cause: the login worked but access to the topic was denied (authorization)\nNext: ...',
  };
  const passed: CheckEntry = { ...denied, id: 'env', name: 'Environment', state: 'pass', message: undefined };

  test('the class a failure message names is read back exactly as checkFailure writes it', () => {
    expect(failureClassIn(checkFailure({ what: 'x', cause: 'y (authorization)' }).message)).toBe('authorization');
    expect(failureClassIn('no cause here')).toBeUndefined();
  });

  test('after an authorization denial, a dropped connection or a size-like failure is put down to that denial', () => {
    const lost = diagnose(Object.assign(new Error('Connection closed'), { code: 'ECONNRESET' }));
    expect(lost.failureClass).toBe('connection-lost');
    const explained = explainByEarlierDenial(lost, [passed, denied]);
    expect(explained.failureClass).toBe('authorization');
    expect(explained.cause).toContain('the same authorization denial as "Smoke > publishes telemetry events"');
    expect(explained.cause).toContain('showed as connection-lost');
  });

  test('without an earlier denial, or for an unrelated class, the diagnosis stands', () => {
    const lost = diagnose(Object.assign(new Error('Connection closed'), { code: 'ECONNRESET' }));
    expect(explainByEarlierDenial(lost, [passed])).toEqual(lost);
    const dns = diagnose(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }));
    expect(explainByEarlierDenial(dns, [denied])).toEqual(dns);
  });
});
