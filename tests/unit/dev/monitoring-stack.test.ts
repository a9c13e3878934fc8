// The monitoring self test's guard: without Debian's prometheus and prometheus-pushgateway it says how to install them, and under CI=true it fails.
import { describe, expect, test } from 'vitest';
import { MONITORING_INSTALL, requireMonitoringBinaries } from '../../../support/dev/monitoring-stack.js';

describe('requireMonitoringBinaries', () => {
  test('when missing, skips with the install command', () => {
    const notes: string[] = [];
    requireMonitoringBinaries((note) => notes.push(note), { PATH: '/nonexistent' });
    expect(notes).toEqual([`prometheus and prometheus-pushgateway not found on the PATH: install with \`${MONITORING_INSTALL}\` (Debian's packages)`]);
  });

  test('when missing under CI=true, fails instead of skipping', () => {
    const notes: string[] = [];
    expect(() => requireMonitoringBinaries((note) => notes.push(note), { PATH: '/nonexistent', CI: 'true' })).toThrow(/Under CI=true .* not skipped/);
    expect(notes).toEqual([]);
  });
});
