// Connectivity, in stages: DNS, TCP, TLS, SASL, metadata, advertised brokers, topics. Each stage has its own verdict.
import { describe, test } from 'vitest';
import { expectStage } from '../support/checks/verdict.js';
import { PREFLIGHT_STAGES } from '../support/preflight/stages.js';

describe('Connectivity', () => {
  // Each stage's title and id stand beside the function that decides it, in support/preflight/probes.ts.
  for (const { stage, title, checkId } of PREFLIGHT_STAGES) {
    test(title, { meta: { checkId } }, async (ctx) => {
      await expectStage(ctx, stage);
    });
  }
});
