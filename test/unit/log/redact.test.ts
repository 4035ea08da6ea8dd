import { afterEach, describe, expect, test } from '@jest/globals';
import {
  clearSecretsForTests,
  createLogger,
  redact,
  redactText,
  registerSecret,
  setLogger,
} from '../../../lib/log/index.js';

afterEach(() => clearSecretsForTests());

describe('redaction (S6)', () => {
  test('a registered secret is removed from text, errors and nested values', () => {
    registerSecret('s3cr3t-bmc-pw');
    expect(redactText('login failed for fence with s3cr3t-bmc-pw')).not.toContain('s3cr3t-bmc-pw');
    const out = redact({ error: new Error('bad s3cr3t-bmc-pw'), lines: ['x s3cr3t-bmc-pw'] });
    expect(JSON.stringify(out)).not.toContain('s3cr3t-bmc-pw');
  });

  test('sensitive keys are masked even when their value was never registered', () => {
    const out = redact({ password: 'p', nested: { 'X-Auth-Token': 'gAAAA', ok: 'visible' }, passwordRef: 'env:PW' });
    expect(out).toEqual({
      password: '[redacted]',
      nested: { 'X-Auth-Token': '[redacted]', ok: 'visible' },
      passwordRef: 'env:PW',
    });
  });
});

describe('redaction of values, not of words (S6, the bed password `admin`)', () => {
  test('a common-word secret is redacted where it stands as a value, never inside another word', () => {
    registerSecret('admin', 'env:OS_PASSWORD');
    expect(redactText('You receive this mail as a cloud administrator')).toBe(
      'You receive this mail as a cloud administrator',
    );
    expect(redactText('the admins were told')).toBe('the admins were told');
    expect(redactText('fence via ipmi admin@10.0.0.5:623')).toBe('fence via ipmi [redacted]@10.0.0.5:623');
    expect(redactText('login with admin failed')).toBe('login with [redacted] failed');
    expect(redactText('{"user":"x","password":"admin"}')).not.toContain('admin');
    expect(JSON.stringify(redact({ message: 'password=admin&user=x', note: 'administrators' }))).toBe(
      '{"message":"password=[redacted]&user=x","note":"administrators"}',
    );
  });

  test('a strong secret is removed even from inside a longer token, in each form it can take', () => {
    registerSecret('Zq8-x"Lp/93@kk');
    for (const form of ['Zq8-x"Lp/93@kk', 'Zq8-x\\"Lp/93@kk', encodeURIComponent('Zq8-x"Lp/93@kk')])
      expect(redactText(`a${form}b`)).toBe('a[redacted]b');
  });

  test('named values are redacted whether or not they were registered: headers, JSON, key=value, URLs', () => {
    expect(redactText('X-Auth-Token: gAAAAABk123')).toBe('X-Auth-Token: [redacted]');
    expect(redactText('Authorization: Bearer eyJhbGciOi')).toBe('Authorization: [redacted]');
    expect(redactText('{"X-Auth-Token":"gAAAA","ok":"visible"}')).toBe('{"X-Auth-Token":"[redacted]","ok":"visible"}');
    expect(redactText('GET https://prom:hunter22@prom.example/api?token=abc&q=up')).toBe(
      'GET https://prom:[redacted]@prom.example/api?token=[redacted]&q=up',
    );
    expect(redactText("password: 'x y' and api_key=k1")).toBe("password: '[redacted]' and api_key=[redacted]");
    // Our own messages naming a field or a reference stay readable.
    expect(redactText('auth.password: missing')).toBe('auth.password: missing');
    expect(redactText('password: env:OS_PASSWORD is not set')).toBe('password: env:OS_PASSWORD is not set');
  });

  test('a weak secret is reported once, by its key and never its value', () => {
    const seen: unknown[] = [];
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    setLogger(log);
    registerSecret('admin', 'env:BED_PASSWORD');
    registerSecret('admin', 'clouds.yaml auth.password');
    registerSecret('abc', 'fencing.hosts.compute-1.password');
    registerSecret('a-long-random-secret-1234', 'env:GOOD');
    seen.push(...lines.map((l) => JSON.parse(l) as { level: string; configKey: string; reason: string }));
    expect(seen).toEqual([
      expect.objectContaining({ level: 'warn', configKey: 'env:BED_PASSWORD', reason: 'too-common' }),
      expect.objectContaining({ level: 'warn', configKey: 'fencing.hosts.compute-1.password', reason: 'too-short' }),
    ]);
    expect(lines.join('\n')).not.toMatch(/"admin"|\babc\b/);
  });
});
