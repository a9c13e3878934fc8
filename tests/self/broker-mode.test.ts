import { describe, expect, test } from 'vitest';
import { dockerAvailable } from '../../support/broker/container.js';
import { brokerMode, startLocalBroker } from '../../support/broker/index.js';
import { kafkaClusterId } from '../../support/broker/layout.js';

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
      await expect(startLocalBroker('auto')).rejects.toThrow(/No way to run a local Kafka broker: .*java is not available.*LOCAL_BROKER=container.*LOCAL_BROKER=jvm/s);
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
