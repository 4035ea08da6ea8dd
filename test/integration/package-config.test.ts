import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkDeployConfig } from '../../infra/package.js';
import { findInlineSecrets } from '../../lib/config/index.js';

/** `npm run package` validates the config with the runtime's zod schema and refuses inline secrets, before osls runs. */
const ROOT = join(import.meta.dirname, '..', '..');
const cloud = (password: string) => ({
  from: 'inline',
  authUrl: 'https://keystone.example.org:5000/v3',
  auth: { type: 'password', username: 'ha', password, projectName: 'admin' },
});

function npmPackage(...extra: string[]) {
  const r = spawnSync('npm', ['run', '-s', 'package', '--', ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run package', () => {
  test('refuses a config with an unknown key and a bad value, naming the field paths; osls never runs', () => {
    const config = { cloud: cloud('env:OS_PASSWORD'), evacuation: { concurrency: 0 }, colour: 'red' };
    const r = npmPackage('--param', `config=${JSON.stringify(config)}`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the config for stage ci \(--param config\) is invalid; nothing was packaged/);
    expect(r.err).toMatch(/- evacuation\.concurrency: /);
    expect(r.err).toMatch(/unknown key\(s\) "colour"/);
    expect(r.out).not.toMatch(/Packaging/);
  });

  test('always refuses an inline secret, and never prints it', () => {
    const r = npmPackage('--param', `config=${JSON.stringify({ cloud: cloud('hunter2-pw') })}`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cloud\.auth\.password: expected a secret reference/);
    expect(r.out + r.err).not.toContain('hunter2-pw');
  });

  test("the repository's own ci config passes", () => {
    const r = spawnSync('npm', ['run', '-s', 'check-config', '--', '--stage', 'ci'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout).toMatch(/config for stage ci \(params\.ci\.config\): valid/);
    expect(r.status).toBe(0);
  });
});

describe('the checks behind it', () => {
  test('a secret under any secret-looking key, or in a URL, is found — by path only', () => {
    const raw = {
      notification: {
        channels: [
          { driver: 'webhook', url: 'https://bot:s3cr3t@hooks.example.org/x', token: 'abc' },
          { driver: 'email', transport: { password: 'env:SMTP_PASSWORD' } },
        ],
      },
      fencing: { hosts: { 'compute-1': { password: 'ssm:/bmc/c1' }, 'compute-2': { apiKey: 'k' } } },
    };
    const found = findInlineSecrets(raw);
    expect(found.map((f) => f.split(':')[0])).toEqual([
      'notification.channels.0.url',
      'notification.channels.0.token',
      'fencing.hosts.compute-2.apiKey',
    ]);
    expect(found.join('\n')).not.toMatch(/s3cr3t|abc/);
  });

  test('${file()} and ${env:} are resolved; other osls variables cannot be checked and are refused', () => {
    const env = { CFG: JSON.stringify({ cloud: cloud('secret:freezer-dr/prod/cloud/pw') }) };
    expect(checkDeployConfig(['--stage', 'x', '--param', 'config=${env:CFG}'], env).problems).toEqual([]);
    expect(checkDeployConfig(['--stage', 'x', '--param', 'config=${ssm:/x}'], env).problems[0]).toMatch(
      /only \$\{file\(…\)\} and \$\{env:…\} can be checked/,
    );
    expect(checkDeployConfig(['--stage', 'nope'], {}).problems[0]).toMatch(/no config for stage nope/);
  });
});
