/**
 * openstacksdk conventions against the bed's real Keystone: the bed's own clouds.yaml through
 * OS_CLOUD, the user and project by id (and their domains by id) as freezer-dr sends them, and
 * endpoint selection by interface in the real catalog. Read-only: token requests and one GET.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig, resolveCloud, type ResolvedCloud } from '../../lib/config/index.js';
import { AuthenticationError, createHttpClient, createSession } from '../../lib/openstack/index.js';
import { issueToken } from '../../lib/openstack/keystone/tokens.js';
import { ADMIN_PASSWORD, BED_DIR, bedIsUp, loadBed, type BedInfo } from './support/bed.js';

if (!bedIsUp()) throw new Error('the e2e test bed is not running: test/e2e/bed/start.sh (see test/e2e/README.md)');

let bed: BedInfo;
let dir: string;
let ids: { userId: string; projectId: string };

/** Resolve `cloud` of a clouds.yaml written into the temp dir (password in a secure.yaml beside it). */
async function viaCloudsYaml(
  auth: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<ResolvedCloud> {
  writeFileSync(
    join(dir, 'clouds.yaml'),
    stringify({ clouds: { c: { auth: { auth_url: bed.authUrl, ...auth }, ...extra } } }),
  );
  writeFileSync(join(dir, 'secure.yaml'), stringify({ clouds: { c: { auth: { password: ADMIN_PASSWORD } } } }));
  return resolveCloud(parseConfig({ cloud: { from: 'env' } }).cloud, {
    HOME: dir,
    OS_CLOUD: 'c',
    OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'),
  });
}

beforeAll(async () => {
  bed = loadBed();
  dir = mkdtempSync(join(tmpdir(), 'fdr-e2e-osconfig-'));
  // The bed's own clouds.yaml, by OS_CLOUD, the way the openstack CLI reads it.
  const cloud = await resolveCloud(parseConfig({ cloud: { from: 'env' } }).cloud, {
    HOME: dir,
    OS_CLOUD: bed.cloudName,
    OS_CLIENT_CONFIG_FILE: join(BED_DIR, 'clouds.yaml'),
  });
  const session = createSession(cloud);
  await session.endpoint('compute');
  const token = await issueToken(createHttpClient({ timeoutMs: 10_000 }), cloud);
  ids = { userId: token.userId, projectId: token.projectId! };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openstacksdk conventions on a real Keystone', () => {
  test('user_id + project_id: a token scoped to that project', async () => {
    const cloud = await viaCloudsYaml({ user_id: ids.userId, project_id: ids.projectId });
    const session = createSession(cloud);
    const res = await session.request<{ services: unknown[] }>({
      service: 'compute',
      method: 'GET',
      path: '/os-services',
      microversion: '2.53',
      query: { binary: 'nova-compute' },
    });
    expect(res.status).toBe(200);
  });

  test('names with the domains by id (user_domain_id / project_domain_id)', async () => {
    const cloud = await viaCloudsYaml({
      username: bed.admin.username,
      project_name: bed.admin.projectName,
      user_domain_id: 'default',
      project_domain_id: 'default',
    });
    expect(await createSession(cloud).endpoint('compute')).toMatch(/^http/);
  });

  test('a project id that does not exist: Keystone refuses (401), nothing is guessed', async () => {
    const cloud = await viaCloudsYaml({ user_id: ids.userId, project_id: 'ffffffffffffffffffffffffffffffff' });
    await expect(createSession(cloud).endpoint('compute')).rejects.toBeInstanceOf(AuthenticationError);
  });

  test.each(['public', 'internal', 'admin'])('interface %s picks that endpoint of the real catalog', async (iface) => {
    const cloud = await viaCloudsYaml({ user_id: ids.userId, project_id: ids.projectId }, { interface: iface });
    const token = await issueToken(createHttpClient({ timeoutMs: 10_000 }), cloud);
    const listed = token.catalog.find((c) => c.type === 'compute')?.endpoints.filter((e) => e.interface === iface);
    if (!listed?.length) {
      await expect(createSession(cloud).endpoint('compute')).rejects.toThrow(
        /no .* endpoint for service type "compute"/,
      );
      return;
    }
    expect(await createSession(cloud).endpoint('compute')).toBe(listed[0]!.url.replace(/\/+$/, ''));
  });
});
