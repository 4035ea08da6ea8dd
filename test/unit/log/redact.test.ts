import { afterEach, describe, expect, test } from '@jest/globals';
import { clearSecretsForTests, redact, redactText, registerSecret } from '../../../lib/log/index.js';

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
