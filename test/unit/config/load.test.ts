import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigInvalidError,
  ConfigNotFoundError,
  ConfigSyntaxError,
  loadConfigFile,
  parseConfig,
} from '../../../lib/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fdr-config-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const minimal = { cloud: { from: 'env' } };

describe('config loading', () => {
  test('a minimal config gets every default', () => {
    const c = parseConfig(minimal);
    expect(c.monitor.graceSeconds).toBe(30);
    expect(c.fencing.powerTimeoutSeconds).toBe(30);
    expect(c.evacuation.concurrency).toBe(4);
    expect(c.store).toEqual({ driver: 'sqlite', path: '.freezer-dr/incidents.db' });
  });

  test('a missing file, bad YAML and bad content are three distinct errors', async () => {
    await expect(loadConfigFile(join(dir, 'nope.yaml'))).rejects.toBeInstanceOf(ConfigNotFoundError);
    await expect(loadConfigFile(write('bad.yaml', 'cloud: [unclosed'))).rejects.toBeInstanceOf(ConfigSyntaxError);
    await expect(
      loadConfigFile(write('invalid.yaml', 'cloud:\n  from: env\nmonitor:\n  graceSeconds: "soon"\n')),
    ).rejects.toBeInstanceOf(ConfigInvalidError);
  });

  test('errors name the exact field path and what was expected', () => {
    const err = (() => {
      try {
        parseConfig({
          cloud: { from: 'env' },
          fencing: { hosts: { 'compute-1': { driver: 'redfish', password: 'hunter2' } } },
          evacuation: { concurrency: -1 },
        });
      } catch (e) {
        return e as ConfigInvalidError;
      }
      throw new Error('no error');
    })();
    const text = err.problems.join('\n');
    expect(text).toMatch(/fencing\.hosts\.compute-1\.password: expected a secret reference/);
    expect(text).toMatch(/evacuation\.concurrency: /);
    // The literal password must not be echoed back (S6).
    expect(err.message).not.toContain('hunter2');
  });

  test('unknown keys are refused (typos must not be silently ignored)', () => {
    expect(() => parseConfig({ cloud: { from: 'env' }, monitor: { graceSecs: 5 } })).toThrow(
      /monitor: unknown key\(s\) "graceSecs"/,
    );
  });

  test('secret references: env, Secrets Manager and SSM forms', () => {
    for (const ref of [
      'env:BMC_PASS',
      'secret:arn:aws:secretsmanager:eu-west-1:1:secret:bmc#password',
      'ssm:/freezer-dr/bmc',
    ]) {
      expect(() =>
        parseConfig({
          cloud: {
            from: 'inline',
            authUrl: 'https://k.example/v3',
            auth: { type: 'application-credential', applicationCredentialId: 'x', applicationCredentialSecret: ref },
          },
        }),
      ).not.toThrow();
    }
  });

  test('a negative timeout and a non-http URL are refused', () => {
    expect(() => parseConfig({ ...minimal, fencing: { powerTimeoutSeconds: -3 } })).toThrow(
      /fencing\.powerTimeoutSeconds/,
    );
    expect(() =>
      parseConfig({
        cloud: {
          from: 'inline',
          authUrl: 'ftp://x',
          auth: { type: 'application-credential', applicationCredentialId: 'x', applicationCredentialSecret: 'env:X' },
        },
      }),
    ).toThrow(/cloud\.authUrl/);
  });
});
