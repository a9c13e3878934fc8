// READINESS_* settings: every bad value is reported at once, and only the bad ones fall back to their defaults.
import { describe, expect, test } from 'vitest';
import { parseRunInputs } from '../../../support/inputs/run-inputs.js';
import { NUMBER_SETTINGS, readSettings, readSettingsChecked } from '../../../support/inputs/settings.js';

describe('READINESS_* settings', () => {
  const env = { READINESS_TCP_TIMEOUT_MS: 'soon', READINESS_LOAD: 'heavy', READINESS_DNS_TIMEOUT_MS: '1500' };

  test('two bad values are both reported, each naming its variable; a good one beside them is kept', () => {
    const { settings, problems } = readSettingsChecked(env);
    expect(problems.map((p) => p.variable)).toEqual(['READINESS_TCP_TIMEOUT_MS', 'READINESS_LOAD']);
    expect(problems[0]?.message).toMatch(/READINESS_TCP_TIMEOUT_MS: expected an integer from 100 to 120000 .*got "soon"/);
    expect(problems[1]?.message).toMatch(/READINESS_LOAD: expected one of full, light .*got "heavy"/);
    expect(settings.DNS_TIMEOUT_MS).toBe(1500);
    expect(settings.TCP_TIMEOUT_MS).toBe(NUMBER_SETTINGS.TCP_TIMEOUT_MS.default);
    expect(settings.LOAD).toBe('full');
  });

  test("the run's inputs carry every problem for the Environment check, and the settings that were good", () => {
    const inputs = parseRunInputs(env, { profile: 'local', cwd: process.cwd() });
    expect(inputs.settingsProblems.map((p) => p.variable)).toEqual(['READINESS_TCP_TIMEOUT_MS', 'READINESS_LOAD']);
    expect(inputs.settings.DNS_TIMEOUT_MS).toBe(1500);
  });

  test('readSettings, for tools that stop at one, still throws the first', () => {
    expect(() => readSettings(env)).toThrow(/READINESS_TCP_TIMEOUT_MS/);
  });
});
