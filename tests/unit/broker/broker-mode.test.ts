import { describe, expect, test } from 'vitest';
import { dockerAvailable } from '../../../support/broker/container.js';
import { brokerMode, startLocalBroker } from '../../../support/broker/index.js';
import { serial } from '../../../support/broker/certs.js';
import { brokerKeys, issueKeys, NAMESPACE_KEY_NAME } from '../../../support/broker/keys.js';
import { kafkaClusterId, serverProperties } from '../../../support/broker/properties.js';

describe('choosing the local broker', () => {
  test('LOCAL_BROKER accepts auto, jvm and container, and names itself on anything else', () => {
    expect(brokerMode(undefined)).toBe('auto');
    expect(brokerMode(' jvm ')).toBe('jvm');
    expect(() => brokerMode('docker')).toThrow('LOCAL_BROKER: expected one of auto, jvm, container, got "docker"');
  });

  test('auto with neither Docker nor Java/Maven fails at once, naming both ways out', async (ctx) => {
    const docker = await dockerAvailable();
    // Where Docker answers, auto rightly picks the container: nothing to prove here.
    if (docker.ok) ctx.skip('a Docker runtime answers on this machine, so auto would use it');
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    const start = performance.now();
    try {
      await expect(startLocalBroker('auto')).rejects.toThrow(
        /No way to run a local Kafka broker: .*java is not available.*LOCAL_BROKER=container.*LOCAL_BROKER=jvm/s,
      );
    } finally {
      process.env.PATH = path;
    }
    expect(performance.now() - start).toBeLessThan(20000);
  });
});

test('KRaft cluster ids never start with "-" (the storage tool would read one as an option)', () => {
  const ids = Array.from({ length: 5000 }, () => kafkaClusterId());
  expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
  expect(ids.every((id) => /^[A-Za-z0-9_-]{22}$/.test(id))).toBe(true);
});

describe('server.properties for the container broker', () => {
  const props = serverProperties({
    bindHost: '0.0.0.0',
    controllerPort: 9094,
    plainPort: 19092,
    saslPort: 9093,
    advertisedSaslPort: 45678,
    dataDir: '/tmp/kraft-data',
    keystore: '/etc/kafka/secrets/server.pem',
    keys: issueKeys([{ name: 'telemetry', partitions: 3 }]),
  });
  const get = (key: string) => new RegExp(`^${key.replace(/\./g, '\\.')}=(.*)$`, 'm').exec(props)?.[1];

  test('listens on all interfaces inside and advertises the mapped host port', () => {
    expect(get('listeners')).toBe('PLAINTEXT://0.0.0.0:19092,CONTROLLER://127.0.0.1:9094,SASL_SSL://0.0.0.0:9093');
    expect(get('advertised.listeners')).toBe('PLAINTEXT://localhost:19092,SASL_SSL://localhost:45678');
  });
  test('is shaped like Event Hubs: PLAIN checked against the issued keys, PEM keystore, 1 MB, no auto-created topics', () => {
    expect(get('sasl.enabled.mechanisms')).toBe('PLAIN');
    const jaas = get('listener.name.sasl_ssl.plain.sasl.jaas.config');
    expect(jaas).toContain('endpoint_host="localhost"');
    expect(jaas).toMatch(/sas_key_telemetry="telemetry send,listen [A-Za-z0-9+/=]{44}"/);
    expect(jaas).toMatch(/sas_listen_telemetry="telemetry listen [A-Za-z0-9+/=]{44}"/);
    expect(jaas).toMatch(new RegExp(`sas_${NAMESPACE_KEY_NAME}="\\* manage,send,listen [A-Za-z0-9+/=]{44}"`));
    expect(get('authorizer.class.name')).toBe('eventstream.readiness.sas.EntityAuthorizer');
    expect(get('security.providers')).toBe('eventstream.readiness.sas.SasKeysProviderCreator');
    expect(get('ssl.keystore.type')).toBe('PEM');
    expect(get('message.max.bytes')).toBe('1046528');
    expect(get('auto.create.topics.enable')).toBe('false');
  });
});

test('certificate serials are positive and minimally encoded (OpenSSL refuses a padded one as "illegal padding")', () => {
  const serials = Array.from({ length: 5000 }, () => serial());
  expect(serials.filter((s) => !/^[4-7][0-9a-f]{31}$/.test(s))).toEqual([]);
});

describe('the keys a local broker issues', () => {
  test("each topic has a Listen-only key scoped to it (a key that may not write there); listenOnly stays the first topic's", () => {
    const keys = brokerKeys(
      issueKeys([
        { name: 'telemetry', partitions: 3 },
        { name: 'orders', partitions: 3 },
      ]),
    );
    expect(keys.listenOnlyByTopic.orders).toMatch(/SharedAccessKeyName=listen_orders;.*EntityPath=orders$/);
    expect(keys.listenOnlyByTopic.telemetry).toMatch(/SharedAccessKeyName=listen_telemetry;.*EntityPath=telemetry$/);
    expect(keys.listenOnly).toBe(keys.listenOnlyByTopic.telemetry);
    expect(Object.values(keys.byTopic)).not.toContain(keys.listenOnlyByTopic.orders);
  });
});
