// Connectivity, in stages: DNS, TCP, TLS, SASL, metadata, advertised brokers, topics. Each stage has its own verdict.
import { describe, test } from 'vitest';
import { expectStage } from '../support/checks.js';
import { STAGES, STAGE_TITLES } from '../support/probes.js';

describe('Connectivity', () => {
  for (const stage of STAGES) {
    test(STAGE_TITLES[stage], async (ctx) => {
      await expectStage(ctx, stage);
    });
  }
});
