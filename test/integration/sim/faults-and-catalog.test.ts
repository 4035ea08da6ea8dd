import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSimCloud, type SimCloud } from '../../../lib/sim/index.js';
import { adminToken, call, FAST, nova, passwordAuth, serverId, waitFor } from './helpers.js';

let sim: SimCloud;
let token: string;

beforeAll(async () => {
  sim = await startSimCloud(FAST);
  token = await adminToken(sim);
});
afterAll(async () => {
  await sim.stop();
});

describe('Nova faults', () => {
  test('failNext: a load balancer 503 page (HTML), then normal service', async () => {
    sim.faults.nova.failNext = 2;
    const a = await nova(sim, token, '/os-services');
    expect(a.status).toBe(503);
    expect(a.headers.get('content-type')).toContain('text/html');
    expect(a.body).toBeUndefined();
    expect((await nova(sim, token, '/os-services')).status).toBe(503);
    expect((await nova(sim, token, '/os-services')).status).toBe(200);
  });

  test('status 500 gives Nova computeFault JSON; failPaths limits which requests fail', async () => {
    sim.faults.nova.status = 500;
    sim.faults.nova.failPaths = /os-migrations/;
    sim.faults.nova.failNext = 1;
    expect((await nova(sim, token, '/os-services')).status).toBe(200);
    const res = await nova(sim, token, '/os-migrations');
    expect(res.status).toBe(500);
    expect(res.body.computeFault.code).toBe(500);
    expect((await nova(sim, token, '/os-migrations')).status).toBe(200);
    sim.faults.nova.status = 503;
    delete sim.faults.nova.failPaths;
  });

  test('timeoutNext: the request hangs until the client gives up; the log shows status 0', async () => {
    sim.faults.nova.timeoutNext = 1;
    await expect(nova(sim, token, '/os-services?probe=hang', { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(sim.requestLog.find((e) => e.path === '/v2.1/os-services?probe=hang')).toEqual({
      service: 'nova',
      method: 'GET',
      path: '/v2.1/os-services?probe=hang',
      status: 0,
    });
    expect((await nova(sim, token, '/os-services')).status).toBe(200);
  });

  test('loseResponseNext: the evacuate happens, the answer never comes', async () => {
    const id = serverId(sim, 'shop-web-3');
    sim.crashHost('compute-3');
    const svc = await nova(sim, token, '/os-services?binary=nova-compute&host=compute-3', { mv: '2.53' });
    await nova(sim, token, `/os-services/${svc.body.services[0].id}`, {
      mv: '2.53',
      method: 'PUT',
      body: { forced_down: true },
    });
    sim.faults.nova.loseResponseNext = 1;
    await expect(
      nova(sim, token, `/servers/${id}/action`, {
        mv: '2.93',
        method: 'POST',
        body: { evacuate: {} },
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    const s = await nova(sim, token, `/servers/${id}`, { mv: '2.93' });
    expect(['REBUILD', 'ACTIVE']).toContain(s.body.server.status);
    await waitFor('evacuated', () => sim.snapshot().migrations.find((m) => m.instanceUuid === id)?.status === 'done');
  });

  test('latencyMs delays every API', async () => {
    sim.faults.latencyMs = 150;
    const t0 = Date.now();
    await nova(sim, token, '/os-services');
    await call(`${sim.bmc('compute-1').url}/redfish/v1`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    sim.faults.latencyMs = 0;
  });

  test('the request log records service, method, path, status and microversion', async () => {
    await nova(sim, token, '/servers/detail?all_tenants=1&host=compute-1', { mv: '2.60' });
    const entry = sim.requestLog.filter((e) => e.service === 'nova').at(-1)!;
    expect(entry).toEqual({
      service: 'nova',
      method: 'GET',
      path: '/v2.1/servers/detail?all_tenants=1&host=compute-1',
      status: 200,
      microversion: '2.60',
    });
    expect(
      sim.requestLog.some(
        (e) => e.service === 'keystone' && e.method === 'POST' && e.path === '/v3/auth/tokens' && e.status === 201,
      ),
    ).toBe(true);
  });
});

describe('Keystone faults', () => {
  test('down: connections reset, while Nova keeps accepting known tokens', async () => {
    sim.faults.keystone.down = true;
    await expect(
      fetch(`${sim.authUrl}/auth/tokens`, {
        method: 'POST',
        body: JSON.stringify(passwordAuth(sim)),
        headers: { 'Content-Type': 'application/json' },
      }),
    ).rejects.toThrow();
    expect((await nova(sim, token, '/os-services')).status).toBe(200);
    sim.faults.keystone.down = false;
  });

  test('failNext: 503 with Keystone error JSON', async () => {
    sim.faults.keystone.failNext = 1;
    const res = await call(`${sim.authUrl}/auth/tokens`, { method: 'POST', body: passwordAuth(sim) });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe(503);
    expect((await call(`${sim.authUrl}/auth/tokens`, { method: 'POST', body: passwordAuth(sim) })).status).toBe(201);
  });
});

describe('flavors and images (evacuable markers)', () => {
  test('flavor extra specs', async () => {
    const specs = await nova(sim, token, '/flavors/1/os-extra-specs');
    expect(specs.body).toEqual({ extra_specs: { evacuable: 'true' } });
    const burst = await nova(sim, token, '/flavors/4/os-extra-specs');
    expect(burst.body.extra_specs.evacuable).toBeUndefined();
    expect((await nova(sim, token, '/flavors/1/os-extra-specs/evacuable')).body).toEqual({ evacuable: 'true' });
    const flavor = await nova(sim, token, '/flavors/1');
    expect(flavor.body.flavor).toMatchObject({ name: 'm1.small', vcpus: 1, swap: '' });
    expect((await nova(sim, token, '/flavors/1', { mv: '2.75' })).body.flavor.swap).toBe(0);
    expect((await nova(sim, token, '/flavors/nope')).status).toBe(404);
  });

  test('Glance v2 image: custom properties are top-level keys', async () => {
    const s = await nova(sim, token, `/servers/${serverId(sim, 'research-win-1')}`, { mv: '2.93' });
    const img = await call(`${sim.endpoints.image}/v2/images/${s.body.server.image.id}`, {
      headers: { 'X-Auth-Token': token },
    });
    expect(img.status).toBe(200);
    expect(img.body).toMatchObject({ name: 'windows-2022', status: 'active', evacuable: 'false', os_type: 'windows' });
    const missing = await call(`${sim.endpoints.image}/v2/images/00000000-0000-4000-8000-000000000000`, {
      headers: { 'X-Auth-Token': token },
    });
    expect(missing.status).toBe(404);
    // A boot-from-volume server has image "".
    const bfv = await nova(sim, token, `/servers/${serverId(sim, 'research-nb-3')}`, { mv: '2.93' });
    expect(bfv.body.server.image).toBe('');
  });
});
