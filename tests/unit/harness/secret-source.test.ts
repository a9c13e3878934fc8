// SecretsStored judges every secret the run reads from a .env file, not only FABRIC_KAFKA_PASSWORD.
import { describe, expect, test } from 'vitest';
import { secretSourceOf } from '../../../support/harness/fabric.js';

const loaded = (env: Record<string, string>, fromFile: string[], file = '/repo/.env') => ({ env, file, fromFile: new Set(fromFile) });

describe('where the secrets come from (SecretsStored)', () => {
  test('the orders password read from the .env file makes it the file, though FABRIC_KAFKA_PASSWORD came from the environment', () => {
    const source = secretSourceOf(loaded({ FABRIC_KAFKA_PASSWORD: 'a', FABRIC_ORDERS_PASSWORD: 'b' }, ['FABRIC_ORDERS_PASSWORD']));
    expect(source).toEqual({ kind: 'file', file: '/repo/.env' });
  });
  test('so do the consumer password and the API token', () => {
    expect(secretSourceOf(loaded({ FABRIC_KAFKA_PASSWORD: 'a', FABRIC_CONSUMER_PASSWORD: 'c' }, ['FABRIC_CONSUMER_PASSWORD'])).kind).toBe('file');
    expect(secretSourceOf(loaded({ FABRIC_API_TOKEN: 't' }, ['FABRIC_API_TOKEN'])).kind).toBe('file');
  });
  test('every secret from the environment: the environment; none at all: missing', () => {
    expect(secretSourceOf(loaded({ FABRIC_KAFKA_PASSWORD: 'a', FABRIC_TOPIC_TELEMETRY: 't' }, ['FABRIC_TOPIC_TELEMETRY']))).toEqual({ kind: 'environment' });
    expect(secretSourceOf(loaded({}, []))).toEqual({ kind: 'missing' });
  });
});
