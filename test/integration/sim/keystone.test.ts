import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSimCloud, type SimCloud } from '../../../lib/sim/index.js';
import { adminToken, call, FAST, nova, passwordAuth, sleep } from './helpers.js';

let sim: SimCloud;

beforeAll(async () => {
  sim = await startSimCloud(FAST);
});
afterAll(async () => {
  await sim.stop();
});

const tokens = () => `${sim.authUrl}/auth/tokens`;

describe('POST /v3/auth/tokens', () => {
  test('password auth, project scope by name: 201, X-Subject-Token, catalog with compute/identity/image/placement', async () => {
    const res = await call(tokens(), { method: 'POST', body: passwordAuth(sim) });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-subject-token')).toMatch(/^gAAAAA[\w-]{100,}$/);
    expect(res.headers.get('x-openstack-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);
    const t = res.body.token;
    expect(t.methods).toEqual(['password']);
    expect(t.user).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' } });
    expect(t.project).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' } });
    expect(t.roles.map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
    expect(t.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(t.expires_at) - Date.parse(t.issued_at)).toBe(3_600_000);
    const types = t.catalog.map((c: { type: string }) => c.type).sort();
    expect(types).toEqual(['compute', 'identity', 'image', 'placement']);
    const compute = t.catalog.find((c: { type: string }) => c.type === 'compute');
    expect(compute.endpoints).toHaveLength(3);
    for (const ep of compute.endpoints) {
      expect(ep).toMatchObject({ region: 'RegionOne', region_id: 'RegionOne', url: sim.endpoints.compute });
      expect(['public', 'internal', 'admin']).toContain(ep.interface);
    }
    expect(t.catalog.find((c: { type: string }) => c.type === 'identity').endpoints[0].url).toBe(sim.authUrl);
  });

  test('application credential: 201 scoped to its project, no scope allowed in the request', async () => {
    const body = {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: {
            id: sim.admin.applicationCredentialId,
            secret: sim.admin.applicationCredentialSecret,
          },
        },
      },
    };
    const res = await call(tokens(), { method: 'POST', body });
    expect(res.status).toBe(201);
    expect(res.body.token.methods).toEqual(['application_credential']);
    expect(res.body.token.project.name).toBe('admin');
    expect(res.body.token.application_credential).toMatchObject({
      id: sim.admin.applicationCredentialId,
      restricted: true,
    });
    const scoped = { auth: { ...body.auth, scope: { project: { name: 'admin', domain: { name: 'Default' } } } } };
    expect((await call(tokens(), { method: 'POST', body: scoped })).status).toBe(401);
  });

  test('bad password, bad secret, unknown project: 401 with Keystone error JSON', async () => {
    const bad = await call(tokens(), { method: 'POST', body: passwordAuth(sim, { password: 'nope' }) });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({
      error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
    });
    expect(bad.headers.get('x-subject-token')).toBeNull();
    const badSecret = await call(tokens(), {
      method: 'POST',
      body: {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: { id: sim.admin.applicationCredentialId, secret: 'x' },
          },
        },
      },
    });
    expect(badSecret.status).toBe(401);
    expect((await call(tokens(), { method: 'POST', body: passwordAuth(sim, { projectName: 'no-such' }) })).status).toBe(
      401,
    );
    expect((await call(tokens(), { method: 'POST', body: { auth: {} } })).status).toBe(400);
  });

  test('a member cannot scope to a project where it has no role (default project is not membership)', async () => {
    // grace's default project is shop-frontend, but her only role is in research.
    const res = await call(tokens(), {
      method: 'POST',
      body: passwordAuth(sim, { username: 'grace', password: 'grace-password', projectName: 'shop-frontend' }),
    });
    expect(res.status).toBe(401);
  });

  test('tokens expire after tokenTtlMs: 401 on Nova and Keystone afterwards', async () => {
    const short = await startSimCloud({ ...FAST, hosts: 1, tokenTtlMs: 300 });
    try {
      const res = await call(`${short.authUrl}/auth/tokens`, { method: 'POST', body: passwordAuth(short) });
      const token = res.headers.get('x-subject-token')!;
      expect(Date.parse(res.body.token.expires_at) - Date.parse(res.body.token.issued_at)).toBe(300);
      expect((await nova(short, token, '/os-services')).status).toBe(200);
      await sleep(350);
      const n = await nova(short, token, '/os-services');
      expect(n.status).toBe(401);
      expect(n.body.error.code).toBe(401);
      expect(n.headers.get('www-authenticate')).toContain('Keystone uri=');
      expect((await call(`${short.authUrl}/users`, { headers: { 'X-Auth-Token': token } })).status).toBe(401);
    } finally {
      await short.stop();
    }
  });

  test('no token or a made-up token: 401 everywhere', async () => {
    expect((await call(`${sim.authUrl}/role_assignments`)).status).toBe(401);
    expect((await nova(sim, 'made-up', '/servers/detail')).status).toBe(401);
    expect((await call(`${sim.endpoints.image}/v2/images`)).status).toBe(401);
  });

  test('validate and revoke a token', async () => {
    const token = await adminToken(sim);
    const v = await call(tokens(), { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
    expect(v.status).toBe(200);
    expect(v.body.token.user.name).toBe('admin');
    expect(
      (await call(tokens(), { method: 'DELETE', headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } })).status,
    ).toBe(204);
    expect((await nova(sim, token, '/os-services')).status).toBe(401);
  });
});

describe('role assignments and users', () => {
  async function projectId(token: string, name: string): Promise<string> {
    const res = await call(`${sim.authUrl}/projects?name=${name}`, { headers: { 'X-Auth-Token': token } });
    return res.body.projects[0].id;
  }

  test('effective + include_names expands groups and implied roles; members are found by assignment', async () => {
    const token = await adminToken(sim);
    const shop = await projectId(token, 'shop-frontend');
    const res = await call(`${sim.authUrl}/role_assignments?scope.project.id=${shop}&effective&include_names`, {
      headers: { 'X-Auth-Token': token },
    });
    expect(res.status).toBe(200);
    const ras = res.body.role_assignments as Array<{
      user: { id: string; name: string; domain: { name: string } };
      role: { name: string };
      scope: { project: { id: string; name: string } };
      links: Record<string, string>;
    }>;
    const users = [...new Set(ras.map((r) => r.user.name))].sort();
    // bob's default project is data-platform but he is a reader here; grace's default is here but she has no role.
    expect(users).toEqual(['admin', 'alice', 'bob', 'carol']);
    expect(ras.every((r) => r.scope.project.id === shop && r.scope.project.name === 'shop-frontend')).toBe(true);
    expect(ras[0]!.user.domain.name).toBe('Default');
    // admin holds admin, and through implication member and reader too.
    expect(
      ras
        .filter((r) => r.user.name === 'admin')
        .map((r) => r.role.name)
        .sort(),
    ).toEqual(['admin', 'member', 'reader']);
    expect(ras.find((r) => r.user.name === 'admin' && r.role.name === 'reader')!.links['prior_role']).toBeDefined();
    expect(res.body.links).toMatchObject({ previous: null, next: null });

    const data = await projectId(token, 'data-platform');
    const viaGroup = await call(`${sim.authUrl}/role_assignments?scope.project.id=${data}&effective&include_names`, {
      headers: { 'X-Auth-Token': token },
    });
    const dave = viaGroup.body.role_assignments.find((r: { user: { name: string } }) => r.user.name === 'dave');
    expect(dave.links.membership).toMatch(/\/groups\/[0-9a-f]{32}\/users\/[0-9a-f]{32}$/);
    // Without effective, the group itself is listed and no user entry for dave exists.
    const raw = await call(`${sim.authUrl}/role_assignments?scope.project.id=${data}`, {
      headers: { 'X-Auth-Token': token },
    });
    expect(raw.body.role_assignments.some((r: { group?: unknown }) => r.group)).toBe(true);
    expect(raw.body.role_assignments.some((r: { user?: { id: string } }) => r.user?.id === dave.user.id)).toBe(false);
  });

  test('GET /v3/users/{id}: email only when set; default_project_id; 404 JSON for unknown', async () => {
    const token = await adminToken(sim);
    const list = await call(`${sim.authUrl}/users`, { headers: { 'X-Auth-Token': token } });
    const byName = new Map<string, string>(list.body.users.map((u: { name: string; id: string }) => [u.name, u.id]));
    const alice = await call(`${sim.authUrl}/users/${byName.get('alice')}`, { headers: { 'X-Auth-Token': token } });
    expect(alice.status).toBe(200);
    expect(alice.body.user).toMatchObject({
      name: 'alice',
      email: 'alice@shop.example',
      enabled: true,
      domain_id: 'default',
    });
    const carol = await call(`${sim.authUrl}/users/${byName.get('carol')}`, { headers: { 'X-Auth-Token': token } });
    expect('email' in carol.body.user).toBe(false);
    const ivan = await call(`${sim.authUrl}/users/${byName.get('ivan')}`, { headers: { 'X-Auth-Token': token } });
    expect(ivan.body.user.enabled).toBe(false);
    const missing = await call(`${sim.authUrl}/users/0123456789abcdef0123456789abcdef`, {
      headers: { 'X-Auth-Token': token },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 404, title: 'Not Found' });
  });

  test('GET /v3/projects/{id}; a member may not list role assignments (403)', async () => {
    const token = await adminToken(sim);
    const shop = await projectId(token, 'shop-frontend');
    const p = await call(`${sim.authUrl}/projects/${shop}`, { headers: { 'X-Auth-Token': token } });
    expect(p.body.project).toMatchObject({ id: shop, name: 'shop-frontend', domain_id: 'default', enabled: true });
    const alice = await call(tokens(), {
      method: 'POST',
      body: passwordAuth(sim, { username: 'alice', password: 'alice-password', projectName: 'shop-frontend' }),
    });
    expect(alice.status).toBe(201);
    const aliceToken = alice.headers.get('x-subject-token')!;
    const denied = await call(`${sim.authUrl}/role_assignments?scope.project.id=${shop}`, {
      headers: { 'X-Auth-Token': aliceToken },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error.title).toBe('Forbidden');
    // ... and Nova's admin APIs are closed to her too.
    const services = await nova(sim, aliceToken, '/os-services');
    expect(services.status).toBe(403);
    expect(services.body.forbidden.message).toBe(
      "Policy doesn't allow os_compute_api:os-services:list to be performed.",
    );
  });
});
