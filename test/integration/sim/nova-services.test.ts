import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSimCloud, type SimCloud } from '../../../lib/sim/index.js';
import { adminToken, call, FAST, nova, sleep, waitFor } from './helpers.js';

const SKEW = -90_000;
let sim: SimCloud;
let token: string;

beforeAll(async () => {
  sim = await startSimCloud({ ...FAST, clockSkewMs: SKEW });
  token = await adminToken(sim);
});
afterAll(async () => {
  await sim.stop();
});

type Svc = {
  id: string | number;
  host: string;
  binary: string;
  state: string;
  status: string;
  forced_down?: boolean;
  updated_at: string;
  zone: string;
  disabled_reason: string | null;
};

async function computes(mv = '2.53'): Promise<Svc[]> {
  const res = await nova(sim, token, '/os-services?binary=nova-compute', { mv });
  expect(res.status).toBe(200);
  return res.body.services;
}

async function service(host: string): Promise<Svc> {
  const res = await nova(sim, token, `/os-services?binary=nova-compute&host=${host}`, { mv: '2.53' });
  expect(res.body.services).toHaveLength(1);
  return res.body.services[0];
}

describe('microversions', () => {
  test('version document without a token', async () => {
    const res = await call(`${sim.endpoints.compute}/`);
    expect(res.status).toBe(200);
    expect(res.body.version).toMatchObject({ id: 'v2.1', version: '2.93', min_version: '2.1', status: 'CURRENT' });
  });

  test('no header → 2.1, echoed with Vary; integer ids and no forced_down below 2.11', async () => {
    const res = await nova(sim, token, '/os-services?binary=nova-compute');
    expect(res.headers.get('openstack-api-version')).toBe('compute 2.1');
    expect(res.headers.get('x-openstack-nova-api-version')).toBe('2.1');
    expect(res.headers.get('vary')).toContain('OpenStack-API-Version');
    const svc = res.body.services[0];
    expect(typeof svc.id).toBe('number');
    expect('forced_down' in svc).toBe(false);
  });

  test('2.11 adds forced_down; 2.53 makes ids UUIDs; latest is 2.93; the legacy header works', async () => {
    expect((await computes('2.11'))[0]).toHaveProperty('forced_down', false);
    expect(typeof (await computes('2.52'))[0]!.id).toBe('number');
    expect((await computes('2.53'))[0]!.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const latest = await nova(sim, token, '/os-services', { mv: 'latest' });
    expect(latest.headers.get('openstack-api-version')).toBe('compute 2.93');
    const legacy = await call(`${sim.endpoints.compute}/os-services`, {
      headers: { 'X-Auth-Token': token, 'X-OpenStack-Nova-API-Version': '2.60' },
    });
    expect(legacy.headers.get('openstack-api-version')).toBe('compute 2.60');
    // Another service's entry in the header does not count.
    const other = await call(`${sim.endpoints.compute}/os-services`, {
      headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': 'volume 3.50, compute 2.70' },
    });
    expect(other.headers.get('openstack-api-version')).toBe('compute 2.70');
  });

  test('above the maximum or below the minimum → 406; malformed → 400', async () => {
    const high = await nova(sim, token, '/os-services', { mv: '2.94' });
    expect(high.status).toBe(406);
    expect(high.body).toEqual({
      computeFault: {
        code: 406,
        message: 'Version 2.94 is not supported by the API. Minimum is 2.1 and maximum is 2.93.',
      },
    });
    expect((await nova(sim, token, '/os-services', { mv: '3.0' })).status).toBe(406);
    expect((await nova(sim, token, '/os-services', { mv: '2.0' })).status).toBe(406);
    const bad = await nova(sim, token, '/os-services', { mv: '2.x' });
    expect(bad.status).toBe(400);
    expect(bad.body.badRequest.message).toContain('is of invalid format');
  });
});

describe('os-services', () => {
  test('lists scheduler and conductor too unless filtered by binary; exact host filter', async () => {
    const all = await nova(sim, token, '/os-services', { mv: '2.53' });
    const binaries = new Set(all.body.services.map((s: Svc) => s.binary));
    expect(binaries).toEqual(new Set(['nova-compute', 'nova-scheduler', 'nova-conductor']));
    const list = await computes();
    expect(list.map((s) => s.host)).toEqual(sim.hosts);
    expect(list.every((s) => s.state === 'up' && s.status === 'enabled' && s.zone === 'nova')).toBe(true);
    expect(
      (await nova(sim, token, '/os-services?binary=nova-compute&host=compute', { mv: '2.53' })).body.services,
    ).toEqual([]);
  });

  test('updated_at is Nova-formatted and follows the sim clock; so does the Date header', async () => {
    const res = await nova(sim, token, '/os-services?binary=nova-compute', { mv: '2.53' });
    const svc = res.body.services[0] as Svc;
    expect(svc.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$/);
    const date = Date.parse(res.headers.get('date')!);
    expect(Math.abs(date - (Date.now() + SKEW))).toBeLessThan(2000);
    const updated = Date.parse(`${svc.updated_at}Z`);
    expect(Math.abs(updated - date)).toBeLessThan(2000);
    expect(res.headers.get('x-openstack-request-id')).toMatch(/^req-/);
    expect(res.headers.get('x-compute-request-id')).toBe(res.headers.get('x-openstack-request-id'));
  });

  test('crashHost: still up until serviceDownTimeMs, then down; restartHost: up again', async () => {
    sim.crashHost('compute-5');
    expect((await service('compute-5')).state).toBe('up');
    expect(sim.powerState('compute-5')).toBe('On');
    const t0 = Date.now();
    await waitFor('compute-5 down', async () => (await service('compute-5')).state === 'down', 2000);
    // Down no sooner than service_down_time minus one report interval after the crash.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(FAST.serviceDownTimeMs - FAST.reportIntervalMs - 20);
    const heartbeat = () => sim.snapshot().services.find((s) => s.host === 'compute-5')!.lastHeartbeatAt;
    const frozen = heartbeat();
    await sleep(250);
    expect(heartbeat()).toBe(frozen);
    sim.restartHost('compute-5');
    expect((await service('compute-5')).state).toBe('up');
  });

  test('PUT forced_down=true makes the service down at once, even while it heartbeats; disable with reason', async () => {
    const svc = await service('compute-6');
    const down = await nova(sim, token, `/os-services/${svc.id}`, {
      mv: '2.53',
      method: 'PUT',
      body: { forced_down: true },
    });
    expect(down.status).toBe(200);
    expect(down.body.service).toMatchObject({
      id: svc.id,
      host: 'compute-6',
      forced_down: true,
      state: 'down',
      status: 'enabled',
    });
    const dis = await nova(sim, token, `/os-services/${svc.id}`, {
      mv: '2.53',
      method: 'PUT',
      body: { status: 'disabled', disabled_reason: 'freezer-dr test' },
    });
    expect(dis.body.service).toMatchObject({
      status: 'disabled',
      disabled_reason: 'freezer-dr test',
      forced_down: true,
    });
    // Undo: no evacuations from compute-6, so un-forcing is allowed.
    const up = await nova(sim, token, `/os-services/${svc.id}`, {
      mv: '2.53',
      method: 'PUT',
      body: { forced_down: false, status: 'enabled' },
    });
    expect(up.body.service).toMatchObject({
      state: 'up',
      status: 'enabled',
      forced_down: false,
      disabled_reason: null,
    });
  });

  test('PUT validation: unknown field, nothing to do, reason with enabled, bad uuid, unknown service, old microversion', async () => {
    const svc = await service('compute-6');
    const extra = await nova(sim, token, `/os-services/${svc.id}`, {
      mv: '2.53',
      method: 'PUT',
      body: { forced_down: true, bogus: 1 },
    });
    expect(extra.status).toBe(400);
    expect(extra.body.badRequest.message).toContain("Additional properties are not allowed ('bogus' was unexpected)");
    const nothing = await nova(sim, token, `/os-services/${svc.id}`, { mv: '2.53', method: 'PUT', body: {} });
    expect(nothing.body.badRequest.message).toBe(
      "No updates were requested. Fields 'status' or 'forced_down' should be specified.",
    );
    const reason = await nova(sim, token, `/os-services/${svc.id}`, {
      mv: '2.53',
      method: 'PUT',
      body: { status: 'enabled', disabled_reason: 'x' },
    });
    expect(reason.status).toBe(400);
    expect(
      (await nova(sim, token, '/os-services/12', { mv: '2.53', method: 'PUT', body: { forced_down: true } })).body
        .badRequest.message,
    ).toBe('Invalid uuid 12');
    const unknown = await nova(sim, token, '/os-services/00000000-0000-4000-8000-000000000000', {
      mv: '2.53',
      method: 'PUT',
      body: { forced_down: true },
    });
    expect(unknown.status).toBe(404);
    // Below 2.53 the UUID form does not exist: the id is taken as a legacy action name.
    expect(
      (
        await nova(sim, token, `/os-services/${svc.id}`, {
          mv: '2.11',
          method: 'PUT',
          body: { host: 'compute-6', binary: 'nova-compute', forced_down: true },
        })
      ).status,
    ).toBe(404);
  });

  test('legacy 2.11 force-down / disable-log-reason / enable by host and binary', async () => {
    const fd = await nova(sim, token, '/os-services/force-down', {
      mv: '2.11',
      method: 'PUT',
      body: { host: 'compute-4', binary: 'nova-compute', forced_down: true },
    });
    expect(fd.status).toBe(200);
    expect(fd.body).toEqual({ service: { host: 'compute-4', binary: 'nova-compute', forced_down: true } });
    const dis = await nova(sim, token, '/os-services/disable-log-reason', {
      mv: '2.11',
      method: 'PUT',
      body: { host: 'compute-4', binary: 'nova-compute', disabled_reason: 'r' },
    });
    expect(dis.body).toEqual({
      service: { host: 'compute-4', binary: 'nova-compute', status: 'disabled', disabled_reason: 'r' },
    });
    expect((await service('compute-4')).state).toBe('down');
    await nova(sim, token, '/os-services/force-down', {
      mv: '2.11',
      method: 'PUT',
      body: { host: 'compute-4', binary: 'nova-compute', forced_down: false },
    });
    await nova(sim, token, '/os-services/enable', {
      mv: '2.11',
      method: 'PUT',
      body: { host: 'compute-4', binary: 'nova-compute' },
    });
    expect(await service('compute-4')).toMatchObject({ state: 'up', status: 'enabled', forced_down: false });
  });
});

describe('disabling a dead service that Nova still counts as up', () => {
  test('hangs for rpcTimeoutMs (the RPC to the dead compute), then answers 200', async () => {
    const sim2 = await startSimCloud({ ...FAST, serviceDownTimeMs: 5000, rpcTimeoutMs: 300, hosts: 2 });
    try {
      const t = await adminToken(sim2);
      sim2.crashHost('compute-1');
      const list = await nova(sim2, t, '/os-services?binary=nova-compute&host=compute-1', { mv: '2.53' });
      const id = list.body.services[0].id;
      const t0 = Date.now();
      const res = await nova(sim2, t, `/os-services/${id}`, {
        mv: '2.53',
        method: 'PUT',
        body: { status: 'disabled' },
      });
      expect(res.status).toBe(200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      // Forced down first (DESIGN §3): the same change answers at once.
      await nova(sim2, t, `/os-services/${id}`, { mv: '2.53', method: 'PUT', body: { status: 'enabled' } });
      await nova(sim2, t, `/os-services/${id}`, { mv: '2.53', method: 'PUT', body: { forced_down: true } });
      const t1 = Date.now();
      await nova(sim2, t, `/os-services/${id}`, { mv: '2.53', method: 'PUT', body: { status: 'disabled' } });
      expect(Date.now() - t1).toBeLessThan(200);
    } finally {
      await sim2.stop();
    }
  });
});
