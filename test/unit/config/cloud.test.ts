import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigInvalidError, SecretUnavailableError, parseConfig, resolveCloud } from '../../../lib/config/index.js';
import { redactText } from '../../../lib/log/index.js';

describe('cloud resolution', () => {
  test('clouds.yaml by name, password auth', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fdr-clouds-'));
    const file = join(dir, 'clouds.yaml');
    writeFileSync(
      file,
      'clouds:\n  prod:\n    auth:\n      auth_url: https://keystone.example:5000/v3\n      username: ha\n      password: s3cret-pw\n      project_name: admin\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionTwo\n    interface: internal\n',
    );
    const cloud = await resolveCloud(parseConfig({ cloud: { from: 'clouds-yaml', name: 'prod', file } }).cloud);
    expect(cloud).toMatchObject({
      authUrl: 'https://keystone.example:5000/v3',
      regionName: 'RegionTwo',
      interface: 'internal',
      auth: { type: 'password', username: 'ha', projectName: 'admin' },
    });
    // Once resolved, the password is known to the redactor (S6).
    expect(redactText('pw is s3cret-pw')).toBe('pw is [redacted]');
    await expect(
      resolveCloud(parseConfig({ cloud: { from: 'clouds-yaml', name: 'other', file } }).cloud),
    ).rejects.toThrow(/clouds\.other: no such cloud/);
  });

  test('OS_* environment with an application credential', async () => {
    const env = {
      OS_AUTH_URL: 'https://k.example/v3',
      OS_AUTH_TYPE: 'v3applicationcredential',
      OS_APPLICATION_CREDENTIAL_ID: 'abc',
      OS_APPLICATION_CREDENTIAL_SECRET: 'appsecret-1',
    };
    const cloud = await resolveCloud(parseConfig({ cloud: { from: 'env' } }).cloud, env);
    expect(cloud.auth).toEqual({
      type: 'application-credential',
      applicationCredentialId: 'abc',
      applicationCredentialSecret: 'appsecret-1',
    });
  });

  test('incomplete OS_* environment names what is missing', async () => {
    await expect(
      resolveCloud(parseConfig({ cloud: { from: 'env' } }).cloud, {
        OS_AUTH_URL: 'https://k.example/v3',
        OS_USERNAME: 'x',
      }),
    ).rejects.toBeInstanceOf(ConfigInvalidError);
  });

  test('an inline secret reference to an unset variable is a clear error', async () => {
    const c = parseConfig({
      cloud: {
        from: 'inline',
        authUrl: 'https://k.example/v3',
        auth: { type: 'password', username: 'u', password: 'env:NOPE_NOT_SET', projectName: 'p' },
      },
    });
    await expect(resolveCloud(c.cloud, {})).rejects.toThrow(SecretUnavailableError);
    await expect(resolveCloud(c.cloud, {})).rejects.toThrow(
      /env:NOPE_NOT_SET is not available: environment variable NOPE_NOT_SET is not set/,
    );
  });
});
