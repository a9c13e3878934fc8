// Connectivity, in stages: DNS, TCP, TLS, SASL, metadata, advertised brokers, topics. Each stage has its own verdict.
import { describe, test } from 'vitest';
import { expectStage } from '../support/checks/verdict.js';
import { PREFLIGHT_STAGES } from '../support/preflight/stages.js';

describe('Connectivity', () => {
  // Each stage's title and id: support/record/stages.ts; the function that decides it: PREFLIGHT_STAGES in support/preflight/stages.ts.
  for (const { stage, title, checkId } of PREFLIGHT_STAGES) {
    test(title, { meta: { checkId } }, async (ctx) => {
      await expectStage(ctx, stage);
    });
  }
});
