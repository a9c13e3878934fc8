// The control-plane settings: optional as a group, each problem naming its variable, the token a secret from the start.
import { describe, expect, test } from 'vitest';
import { checkControlPlaneEnv, parseApiUrl } from '../../../support/inputs/control-plane.js';
import { redact } from '../../../support/core/redact.js';

const WS = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

describe('control-plane settings', () => {
  test('without workspace and eventstream the control plane is not configured, and nothing is a problem', () => {
    expect(checkControlPlaneEnv({ FABRIC_API_URL: 'nonsense' })).toEqual({ configured: false, problems: [] });
  });
  test('an id is taken as an id, a display name as a name to resolve; the default API URL applies', () => {
    const r = checkControlPlaneEnv({ FABRIC_WORKSPACE_ID: WS.toUpperCase(), FABRIC_EVENTSTREAM_ID: 'orders stream' });
    expect(r.problems).toEqual([]);
    expect(r.config).toMatchObject({
      apiUrl: 'https://api.fabric.microsoft.com/v1',
      workspace: { id: WS, variable: 'FABRIC_WORKSPACE_ID' },
      eventstream: { name: 'orders stream', variable: 'FABRIC_EVENTSTREAM_ID' },
    });
  });
  test('one of the pair alone names the missing variable', () => {
    const r = checkControlPlaneEnv({ FABRIC_WORKSPACE_ID: WS });
    expect(r.configured).toBe(true);
    expect(r.config).toBeUndefined();
    expect(r.problems.map((p) => p.variable)).toEqual(['FABRIC_EVENTSTREAM_ID']);
  });
  test.each([
    ['http://api.fabric.microsoft.com/v1', false],
    ['ftp://localhost/v1', false],
    ['not a url', false],
    ['https://api.fabric.microsoft.com/v1?x=1', false],
    ['http://127.0.0.1:4000/v1/', true],
    ['http://localhost:4000/v1', true],
    ['https://api.fabric.microsoft.com/v1/', true],
  ])('FABRIC_API_URL %s is accepted: %s (https, or http for a loopback host only)', (url, ok) => {
    const r = parseApiUrl(url);
    expect(r.problem === undefined).toBe(ok);
    if (!ok) expect(r.problem?.variable).toBe('FABRIC_API_URL');
    else expect(r.url).not.toMatch(/\/$/);
  });
  test('the token is registered as a secret the moment it is read, and a "Bearer " prefix is refused without echoing it', () => {
    const token = 'eyJhbGciOi.secret-token-value.sig';
    const r = checkControlPlaneEnv({ FABRIC_WORKSPACE_ID: WS, FABRIC_EVENTSTREAM_ID: WS, FABRIC_API_TOKEN: `Bearer ${token}` });
    expect(redact(`token ${token}`)).not.toContain(token);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]?.variable).toBe('FABRIC_API_TOKEN');
    expect(JSON.stringify(r.problems)).not.toContain(token);
  });
});
