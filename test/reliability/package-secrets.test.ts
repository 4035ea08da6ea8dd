/**
 * S6 for deployment: `npm run package` refuses a config with a secret written inline (and never
 * prints it), and a packaged CloudFormation template (functions, SSM config parameter, alarms,
 * dashboard, event bus) holds secrets only as references, never their values.
 */
import { beforeAll, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addSecret, collect } from './support/corpus.js';
import { noUnsafe, recordCase, recordFile, suite } from './support/results.js';
import { secretScanCase } from './support/scan-case.js';

suite('bad-input', 'Bad input: the deployment config');
beforeAll(() => recordFile());

const ROOT = join(import.meta.dirname, '..', '..');
const PLANTED = { os: 'Pl4nted-OS-pw-91', bmc: 'Pl4nted-BMC-pw-37', smtp: 'Pl4nted-SMTP-pw-55' };
addSecret('OpenStack password', PLANTED.os);
addSecret('BMC password', PLANTED.bmc);
addSecret('SMTP password', PLANTED.smtp);

function config(password: string, bmc: string, smtp: string) {
  return {
    cloud: {
      from: 'inline',
      authUrl: 'https://keystone.example.org:5000/v3',
      auth: { type: 'password', username: 'ha', password, projectName: 'admin' },
    },
    fencing: {
      hosts: { 'compute-1': { driver: 'redfish', address: 'https://bmc-1.example.org', username: 'f', password: bmc } },
    },
    notification: {
      channels: [
        {
          driver: 'email',
          from: 'freezer-dr@example.org',
          transport: {
            type: 'smtp',
            host: 'smtp.example.org',
            port: 587,
            security: 'starttls',
            username: 'u',
            password: smtp,
          },
        },
      ],
    },
    store: { driver: 'dynamodb', table: 'freezer-dr-ci-incidents' },
  };
}

function npmPackage(cfg: unknown, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('npm', ['run', '-s', 'package', '--', '--param', `config=${JSON.stringify(cfg)}`, ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...env },
  });
  collect('cli:package', `${r.stdout}\n${r.stderr}`);
  return r;
}

test('inline secrets: refused by field path, never printed, nothing packaged', () => {
  const r = npmPackage(config(PLANTED.os, PLANTED.bmc, PLANTED.smtp));
  recordCase({ unsafe: { ...noUnsafe(), changesFromRejectedInput: r.status === 0 ? 1 : 0 } });
  expect(r.status).toBe(2);
  for (const path of [
    'cloud.auth.password',
    'fencing.hosts.compute-1.password',
    'notification.channels.0.transport.password',
  ])
    expect(r.stderr).toContain(path);
  expect(r.stdout).not.toMatch(/Packaging/);
});

test('references: the packaged template names them, and holds no value even when the deployer has them', () => {
  const out = mkdtempSync(join(tmpdir(), 'fdr-pkg-'));
  // The deployer's environment holds the real values; only the references may reach the template.
  const r = npmPackage(
    config('env:OS_PASSWORD', 'ssm:/freezer-dr/ci/bmc/compute-1', 'secret:freezer-dr/ci/notify/smtp'),
    ['--package', out],
    {
      OS_PASSWORD: PLANTED.os,
      BMC_PASSWORD: PLANTED.bmc,
    },
  );
  recordCase({});
  expect(r.status).toBe(0);
  const template = readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8');
  collect('packaged template', template);
  expect(template).toContain('env:OS_PASSWORD');
  expect(readdirSync(out).filter((f) => f.endsWith('.zip')).length).toBeGreaterThan(0);
}, 180_000);

secretScanCase(['cli', 'packaged template']);
