// Eventstream's own verdict, from Fabric's REST API: identity, the eventstream, every source (connector) and destination
// Running, the run's custom endpoint, and where test events go. Asked once by global setup, before the Kafka checks.
import { describe, test } from 'vitest';
import { expectControlPlaneStep } from '../support/checks/verdict.js';
import { CONTROL_PLANE_INFO, CONTROL_PLANE_STEPS } from '../support/record/control-plane.js';

describe('Eventstream', () => {
  // Each step's title and id stand in support/record/control-plane.ts; the function that decides it in support/fabric/control-plane.ts.
  for (const step of CONTROL_PLANE_STEPS) {
    const { title, checkId } = CONTROL_PLANE_INFO[step];
    test(title, { meta: { checkId } }, async (ctx) => {
      await expectControlPlaneStep(ctx, step);
    });
  }
});
