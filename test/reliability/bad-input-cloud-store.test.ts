/**
 * Bad input, issue 17: clouds.yaml / secure.yaml / OS_* the way openstacksdk reads them, and a
 * broken incident store. Config cases: exit 2, the message names what the user wrote (a clouds.yaml
 * key or an OS_* variable), no stack, nothing changed in the cloud. Store cases: exit 1, the file
 * and the likely cause with a hint, no stack, and the existing file's bytes unchanged.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { STACK, startRelEnv, type CliResult, type RelEnv } from './support/env.js';
import { recordCase, recordFile, suite } from './support/results.js';
import {
  canBreak,
  cleanup,
  readOnlyView,
  sha256,
  storeWithRecord,
  tempDir,
  tinyDisk,
} from '../support/broken-store.js';

suite('bad-input', 'Bad input: openstacksdk-style cloud config and a broken incident store');

const ROOT = canBreak();
const rootTest = ROOT ? test : test.skip;

let env: RelEnv;
const savedEnv = { ...process.env };
beforeAll(async () => {
  recordFile();
  delete process.env.FREEZER_DR_DEBUG;
  env = await startRelEnv({ hosts: ['compute-1', 'compute-2'] });
});
afterEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('OS_') && !(k in savedEnv)) delete process.env[k];
  cleanup();
});
afterAll(async () => {
  await env.stop();
});

let n = 0;
/** A config file: the valid base config with `cloud` (and `store`) replaced. */
function configWith(edit: (c: Record<string, any>) => void): string {
  const raw = structuredClone(env.raw);
  edit(raw);
  const path = join(env.dir, `cloud-store-${++n}.yaml`);
  writeFileSync(path, stringify(raw));
  return path;
}

/** clouds.yaml with the sim's admin as cloud "sim" (by name) and "sim-ids" (by id), plus `extra`. */
function cloudsYaml(extra: Record<string, unknown> = {}): string {
  const a = env.sim.admin;
  const authUrl = env.raw.cloud.authUrl as string;
  const file = join(env.dir, `clouds-${++n}.yaml`);
  writeFileSync(
    file,
    stringify({
      clouds: {
        sim: {
          auth: {
            auth_url: authUrl,
            username: a.username,
            password: a.password,
            project_name: a.projectName,
            user_domain_name: a.userDomainName,
            project_domain_name: a.projectDomainName,
          },
        },
        'sim-ids': { auth: { auth_url: authUrl, user_id: a.userId, password: a.password, project_id: a.projectId } },
        ...extra,
      },
    }),
  );
  return file;
}

async function refused(argv: string[], code: number, message: RegExp): Promise<CliResult> {
  env.mark();
  const r = await env.cli(...argv);
  const f = await env.figures({ rejected: true });
  recordCase({ unsafe: f.unsafe, lost: f.lost });
  expect({ code: r.code, err: r.err }).toEqual({ code, err: expect.stringMatching(message) });
  expect(`${r.out}\n${r.err}`).not.toMatch(STACK);
  expect(f.unsafe.changesFromRejectedInput).toBe(0);
  return r;
}

describe('bad input: clouds.yaml, secure.yaml and OS_* (exit 2, named as the user wrote them)', () => {
  test('clouds.yaml without a project: auth.project_name or auth.project_id', async () => {
    const file = cloudsYaml({ broken: { auth: { auth_url: 'http://127.0.0.1:1/v3', username: 'u', password: 'p' } } });
    const cfg = configWith((c) => (c.cloud = { from: 'clouds-yaml', name: 'broken', file }));
    const r = await refused(['check', '--config', cfg], 2, /- auth\.project_name or auth\.project_id: missing/);
    expect(r.err).not.toMatch(/projectName|auth\.projectId/);
  });

  test('OS_* without a project: OS_PROJECT_NAME or OS_PROJECT_ID', async () => {
    Object.assign(process.env, { OS_AUTH_URL: 'http://127.0.0.1:1/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p' });
    const cfg = configWith((c) => (c.cloud = { from: 'env' }));
    const r = await refused(
      ['check', '--config', cfg],
      2,
      /OS_\* environment is invalid:\n {2}- OS_PROJECT_NAME or OS_PROJECT_ID: missing/,
    );
    expect(r.err).not.toMatch(/projectName/);
  });

  test('a missing cacert file in clouds.yaml names the key and the file', async () => {
    const file = cloudsYaml({
      tls: {
        cacert: '/nonexistent/fdr-ca.pem',
        auth: { auth_url: 'https://127.0.0.1:1/v3', username: 'u', password: 'p', project_id: 'x' },
      },
    });
    const cfg = configWith((c) => (c.cloud = { from: 'clouds-yaml', name: 'tls', file }));
    const r = await refused(
      ['check', '--config', cfg],
      2,
      /error: cacert \(cloud "tls" of .*\): cannot read \/nonexistent\/fdr-ca\.pem: no such file\nhint: point cacert at a readable PEM file/,
    );
    expect(r.err).not.toMatch(/ENOENT/);
  });

  test('a missing OS_CACERT file', async () => {
    Object.assign(process.env, {
      OS_AUTH_URL: 'https://127.0.0.1:1/v3',
      OS_USERNAME: 'u',
      OS_PASSWORD: 'p',
      OS_PROJECT_ID: 'x',
      OS_CACERT: '/nonexistent/os-ca.pem',
    });
    const cfg = configWith((c) => (c.cloud = { from: 'env' }));
    await refused(
      ['check', '--config', cfg],
      2,
      /error: OS_CACERT: cannot read \/nonexistent\/os-ca\.pem: no such file/,
    );
  });

  test('a missing cloud.caBundle file (freezer-dr.yaml)', async () => {
    const cfg = configWith((c) => (c.cloud.caBundle = '/nonexistent/bundle.pem'));
    await refused(
      ['check', '--config', cfg],
      2,
      /error: cloud\.caBundle: cannot read \/nonexistent\/bundle\.pem: no such file/,
    );
  });

  test('a missing BMC caBundle file (fence status)', async () => {
    const cfg = configWith((c) => (c.fencing.hosts['compute-1'].caBundle = '/nonexistent/bmc-ca.pem'));
    const r = await refused(
      ['fence', 'status', '--host', 'compute-1', '--config', cfg],
      2,
      /error: caBundle \(BMC of compute-1\): cannot read \/nonexistent\/bmc-ca\.pem: no such file/,
    );
    expect(r.err).not.toMatch(/ENOENT/);
  });

  test('OS_CLOUD naming a cloud clouds.yaml does not have lists the ones it has', async () => {
    process.env.OS_CLIENT_CONFIG_FILE = cloudsYaml();
    process.env.OS_CLOUD = 'prodution';
    const cfg = configWith((c) => (c.cloud = { from: 'env' }));
    await refused(
      ['check', '--config', cfg],
      2,
      /clouds\.prodution: no such cloud in this file \(it has: sim, sim-ids\)/,
    );
  });

  test('--os-cloud naming a cloud clouds.yaml does not have', async () => {
    process.env.OS_CLIENT_CONFIG_FILE = cloudsYaml();
    await refused(
      ['check', '--config', env.configPath, '--os-cloud', 'nope'],
      2,
      /clouds\.nope: no such cloud in this file/,
    );
  });

  test('an unsupported auth_type', async () => {
    const file = cloudsYaml({ oidc: { auth_type: 'v3oidcpassword', auth: { auth_url: 'http://127.0.0.1:1/v3' } } });
    const cfg = configWith((c) => (c.cloud = { from: 'clouds-yaml', name: 'oidc', file }));
    await refused(['check', '--config', cfg], 2, /- auth_type: "v3oidcpassword" is not supported/);
  });
});

describe('the same conventions, working against the simulated cloud', () => {
  test('--os-cloud picks the clouds.yaml cloud over an inline config (exit 0)', async () => {
    process.env.OS_CLIENT_CONFIG_FILE = cloudsYaml();
    const cfg = configWith((c) => (c.cloud.authUrl = 'http://127.0.0.1:1/v3'));
    const r = await env.cli('check', '--config', cfg, '--os-cloud', 'sim');
    expect({ code: r.code, stack: STACK.test(r.err) }).toEqual({ code: 0, stack: false });
    const f = await env.figures();
    recordCase({ unsafe: f.unsafe, lost: f.lost });
  });

  test('OS_CLOUD with from: env, user and project by id, password from secure.yaml (exit 0)', async () => {
    const dir = tempDir('fdr-rel-clouds-');
    const a = env.sim.admin;
    writeFileSync(
      join(dir, 'clouds.yaml'),
      stringify({
        clouds: { ids: { auth: { auth_url: env.raw.cloud.authUrl, user_id: a.userId, project_id: a.projectId } } },
      }),
    );
    writeFileSync(join(dir, 'secure.yaml'), stringify({ clouds: { ids: { auth: { password: a.password } } } }));
    Object.assign(process.env, { OS_CLOUD: 'ids', OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') });
    const r = await env.cli(
      'check',
      '--config',
      configWith((c) => (c.cloud = { from: 'env' })),
    );
    expect({ code: r.code, stack: STACK.test(r.err) }).toEqual({ code: 0, stack: false });
    const f = await env.figures();
    recordCase({ unsafe: f.unsafe, lost: f.lost });
  });
});

/** Point the base config's store at `path`; run `argv`; check exit 1, message, hint, no stack, bytes. */
async function storeRefused(path: string, argv: string[], message: RegExp, hint: RegExp): Promise<void> {
  const cfg = configWith((c) => (c.store = { driver: 'sqlite', path }));
  const r = await refused([...argv, '--config', cfg], 1, message);
  expect(r.err).toMatch(hint);
}

describe('bad input: a broken incident store (exit 1, file and cause named, nothing lost)', () => {
  test.each([['incidents'], ['pause']])('a corrupted database file: %s', async (cmd) => {
    const path = join(tempDir('fdr-rel-corrupt-'), 'incidents.db');
    writeFileSync(path, 'not a database at all\n'.repeat(50));
    const before = sha256(path);
    await storeRefused(
      path,
      [cmd],
      new RegExp(`error: incident store ${path}: cannot open it: .*corrupted`),
      /hint: freezer-dr left it as it is/,
    );
    expect(sha256(path)).toBe(before);
  });

  test('a store directory that does not exist', async () => {
    const path = join(tempDir('fdr-rel-missing-'), 'mnt', 'freezer-dr', 'incidents.db');
    await storeRefused(
      path,
      ['incidents'],
      /error: incident store .*: cannot open it: its directory .*\/mnt\/freezer-dr does not exist/,
      /hint: create it \(mkdir -p /,
    );
  });

  rootTest('a store on a read-only file system', async () => {
    const dir = tempDir('fdr-rel-ro-');
    await storeWithRecord(join(dir, 'incidents.db'));
    const before = sha256(join(dir, 'incidents.db'));
    const path = join(readOnlyView(dir), 'incidents.db');
    await storeRefused(
      path,
      ['pause'],
      /error: incident store .*: cannot open it: the file system of .* is read-only/,
      /hint: remount it read-write/,
    );
    expect(sha256(join(dir, 'incidents.db'))).toBe(before);
  });

  rootTest('a store on a full disk', async () => {
    const disk = tinyDisk(512);
    const path = join(disk.dir, 'incidents.db');
    await storeWithRecord(path);
    const before = sha256(path);
    disk.fill();
    await storeRefused(
      path,
      ['pause'],
      /error: incident store .*: cannot (open|write to) it: the disk is full/,
      /hint: free space there; the records already in the store are intact/,
    );
    expect(sha256(path)).toBe(before);
  });
});
