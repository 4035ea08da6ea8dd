import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { defaultSeed } from '../../../lib/sim/seed.js';
import { startSimCloud, type SimCloud } from '../../../lib/sim/index.js';
import { adminToken, call, FAST, nova, passwordAuth, serverId } from './helpers.js';

/** The sim's APIs the evacuable selection reads, answered as the real ones answer. */
let sim: SimCloud;
let admin: string;
let alice: string;

beforeAll(async () => {
  const seed = defaultSeed(['compute-1', 'compute-2', 'compute-3']);
  seed.images[0]!.tags = ['evacuable', 'linux'];
  sim = await startSimCloud({ ...FAST, hosts: ['compute-1', 'compute-2', 'compute-3'], seed });
  sim.setAggregates([{ name: 'rack-a', hosts: ['compute-1'], metadata: { ha: 'true' } }]);
  admin = await adminToken(sim);
  const r = await call(`${sim.authUrl}/auth/tokens`, {
    method: 'POST',
    body: passwordAuth(sim, { username: 'alice', password: 'alice-password', projectName: 'shop-frontend' }),
  });
  alice = r.headers.get('x-subject-token')!;
});
afterAll(async () => {
  await sim.stop();
});

describe('os-resetState', () => {
  const reset = (token: string, id: string, body: unknown) =>
    nova(sim, token, `/servers/${id}/action`, { mv: '2.47', method: 'POST', body });

  test('admin: 202, vm_state ERROR, task_state cleared', async () => {
    const id = serverId(sim, 'shop-web-1');
    const res = await reset(admin, id, { 'os-resetState': { state: 'error' } });
    expect(res.status).toBe(202);
    const s = (await nova(sim, admin, `/servers/${id}`, { mv: '2.47' })).body.server;
    expect([s.status, s['OS-EXT-STS:vm_state'], s['OS-EXT-STS:task_state']]).toEqual(['ERROR', 'error', null]);
    expect((await reset(admin, id, { 'os-resetState': { state: 'active' } })).status).toBe(202);
  });

  test('a project member: 403 policy; bad state or extra keys: 400; unknown server: 404', async () => {
    const id = serverId(sim, 'shop-web-1');
    const denied = await reset(alice, id, { 'os-resetState': { state: 'error' } });
    expect(denied.status).toBe(403);
    expect(denied.text).toMatch(/os_compute_api:os-admin-actions:reset_state/);
    const bad = await reset(admin, id, { 'os-resetState': { state: 'stopped' } });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/Invalid input for field\/attribute state/);
    expect((await reset(admin, id, { 'os-resetState': { state: 'error', force: true } })).status).toBe(400);
    expect((await reset(admin, id, { 'os-resetState': {} })).text).toMatch(/'state' is a required property/);
    expect(
      (await reset(admin, '00000000-0000-4000-8000-000000000000', { 'os-resetState': { state: 'error' } })).status,
    ).toBe(404);
  });
});

describe('Glance image tags', () => {
  test('GET /v2/images/{id} lists the tags; untagged images an empty list', async () => {
    const list = await call(`${sim.endpoints.image}/v2/images`, { headers: { 'X-Auth-Token': admin } });
    const images = list.body.images as Array<{ id: string; name: string; tags: string[] }>;
    expect(images.find((i) => i.name === 'cirros-0.6.2')?.tags).toEqual(['evacuable', 'linux']);
    const debian = images.find((i) => i.name === 'debian-12')!;
    const one = await call(`${sim.endpoints.image}/v2/images/${debian.id}`, { headers: { 'X-Auth-Token': admin } });
    expect(one.body.tags).toEqual([]);
  });
});

describe('host aggregates: show and set_metadata', () => {
  test('set_metadata merges, null deletes, 200 with the aggregate; GET shows it', async () => {
    const res = await nova(sim, admin, '/os-aggregates/1/action', {
      mv: '2.41',
      method: 'POST',
      body: { set_metadata: { metadata: { 'freezer-dr:group': '2', ha: null } } },
    });
    expect(res.status).toBe(200);
    expect(res.body.aggregate).toMatchObject({ id: 1, name: 'rack-a', metadata: { 'freezer-dr:group': '2' } });
    expect(res.body.aggregate.metadata.ha).toBeUndefined();
    const shown = await nova(sim, admin, '/os-aggregates/1', { mv: '2.41' });
    expect(shown.body.aggregate.metadata).toEqual({ 'freezer-dr:group': '2' });
    const listed = await nova(sim, admin, '/os-aggregates', { mv: '2.41' });
    expect(listed.body.aggregates[0].metadata).toEqual({ 'freezer-dr:group': '2' });
  });

  test('errors as Nova answers them: 404 unknown id, 400 bad key or value, 403 for a member', async () => {
    const act = (token: string, id: string, body: unknown) =>
      nova(sim, token, `/os-aggregates/${id}/action`, { mv: '2.41', method: 'POST', body });
    expect((await act(admin, '99', { set_metadata: { metadata: { a: 'b' } } })).status).toBe(404);
    expect((await act(admin, '1', { set_metadata: { metadata: { 'bad/key': 'b' } } })).status).toBe(400);
    expect((await act(admin, '1', { set_metadata: { metadata: { a: 5 } } })).status).toBe(400);
    expect((await act(admin, '1', { set_metadata: {} })).status).toBe(400);
    expect((await act(alice, '1', { set_metadata: { metadata: { a: 'b' } } })).status).toBe(403);
    expect((await nova(sim, alice, '/os-aggregates/1', { mv: '2.41' })).status).toBe(403);
  });
});

describe('flavors with extra specs', () => {
  test('GET /flavors/detail at 2.61 carries extra_specs', async () => {
    const res = await nova(sim, admin, '/flavors/detail?is_public=None', { mv: '2.61' });
    const small = (res.body.flavors as Array<{ name: string; extra_specs: Record<string, string> }>).find(
      (f) => f.name === 'm1.small',
    );
    expect(small?.extra_specs).toEqual({ evacuable: 'true' });
  });
});
