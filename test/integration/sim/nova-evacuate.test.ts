import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSimCloud, type SimCloud } from '../../../lib/sim/index.js';
import { adminToken, FAST, nova, serverId, waitFor } from './helpers.js';

type Server = Record<string, any>;
type Migration = Record<string, any>;

async function server(sim: SimCloud, token: string, id: string, mv = '2.93'): Promise<Server> {
  const res = await nova(sim, token, `/servers/${id}`, { mv });
  expect(res.status).toBe(200);
  return res.body.server;
}

async function migrations(sim: SimCloud, token: string, instance: string, mv = '2.93'): Promise<Migration[]> {
  const res = await nova(sim, token, `/os-migrations?instance_uuid=${instance}&migration_type=evacuation`, { mv });
  expect(res.status).toBe(200);
  return res.body.migrations;
}

async function serviceId(sim: SimCloud, token: string, host: string): Promise<string> {
  const res = await nova(sim, token, `/os-services?binary=nova-compute&host=${host}`, { mv: '2.53' });
  return res.body.services[0].id;
}

function evacuate(sim: SimCloud, token: string, id: string, body: Record<string, unknown> = {}, mv = '2.93') {
  return nova(sim, token, `/servers/${id}/action`, { mv, method: 'POST', body: { evacuate: body } });
}

async function forceDown(sim: SimCloud, token: string, host: string, down = true) {
  return nova(sim, token, `/os-services/${await serviceId(sim, token, host)}`, {
    mv: '2.53',
    method: 'PUT',
    body: { forced_down: down },
  });
}

describe('the demo flow on compute-1', () => {
  let sim: SimCloud;
  let token: string;
  beforeAll(async () => {
    // Scheduling happens after rebuildMs/5 = 100 ms: room to observe `accepted` with no destination.
    sim = await startSimCloud({ ...FAST, rebuildMs: 500 });
    token = await adminToken(sim);
  });
  afterAll(async () => {
    await sim.stop();
  });

  test('the seed puts 6 instances on compute-1, listed by exact host with all_tenants', async () => {
    const res = await nova(sim, token, '/servers/detail?all_tenants=1&host=compute-1', { mv: '2.93' });
    expect(res.status).toBe(200);
    const names = res.body.servers.map((s: Server) => s.name).sort();
    expect(names).toEqual(['ci-runner-1', 'data-etl-1', 'research-nb-1', 'research-win-1', 'shop-db-1', 'shop-web-1']);
    expect(res.body.servers.every((s: Server) => s['OS-EXT-SRV-ATTR:host'] === 'compute-1')).toBe(true);
    // Without all_tenants even an admin sees only its own project (admin has no servers).
    expect((await nova(sim, token, '/servers/detail?host=compute-1', { mv: '2.93' })).body.servers).toEqual([]);
  });

  test('server fields as Nova returns them (2.93)', async () => {
    const s = await server(sim, token, serverId(sim, 'shop-db-1'));
    expect(s).toMatchObject({
      name: 'shop-db-1',
      status: 'ACTIVE',
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:task_state': null,
      'OS-EXT-STS:power_state': 1,
      'OS-EXT-SRV-ATTR:host': 'compute-1',
      'OS-EXT-SRV-ATTR:hypervisor_hostname': 'compute-1',
      host_status: 'UP',
      metadata: { 'freezer-dr:priority': '100', tier: 'db', 'freezer-dr:evacuable': 'true' },
      flavor: {
        original_name: 'm1.large',
        vcpus: 4,
        ram: 8192,
        disk: 80,
        ephemeral: 0,
        swap: 1024,
        extra_specs: { evacuable: 'true', 'hw:mem_page_size': 'large' },
      },
    });
    expect(s['tenant_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(s['user_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(s['image'].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(s['OS-SRV-USG:launched_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(s['created']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect('fault' in s).toBe(false);
    // Below 2.47 the flavor is a reference.
    const old = await server(sim, token, serverId(sim, 'shop-db-1'), '2.46');
    expect(old['flavor']).toEqual({ id: '3', links: [expect.objectContaining({ rel: 'bookmark' })] });
    const never = await server(sim, token, serverId(sim, 'research-nb-1'));
    expect(never).toMatchObject({ status: 'ERROR', 'OS-SRV-USG:launched_at': null, fault: { code: 500 } });
    expect(never['fault'].created).toMatch(/Z$/);
  });

  test('evacuate is refused with the exact 400 while the source is up — also right after the crash', async () => {
    const id = serverId(sim, 'shop-web-1');
    const up = await evacuate(sim, token, id);
    expect(up.status).toBe(400);
    expect(up.body).toEqual({ badRequest: { code: 400, message: 'Compute service of compute-1 is still in use.' } });
    sim.crashHost('compute-1');
    const stillUp = await evacuate(sim, token, id);
    expect(stillUp.status).toBe(400);
    expect(stillUp.body.badRequest.message).toBe('Compute service of compute-1 is still in use.');
    expect(sim.snapshot().migrations).toEqual([]);
  });

  test('never-launched and building instances are not evacuable (409)', async () => {
    await forceDown(sim, token, 'compute-1');
    const nb = serverId(sim, 'research-nb-1');
    const res = await evacuate(sim, token, nb);
    expect(res.status).toBe(409);
    expect(res.body.conflictingRequest.message).toBe(`Instance ${nb} is in an invalid state for 'evacuate'`);
  });

  test('after forced_down: 200 with an empty body, REBUILD, accepted migration, then ACTIVE elsewhere with migration done', async () => {
    const id = serverId(sim, 'shop-web-1');
    const res = await evacuate(sim, token, id);
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    const during = await server(sim, token, id);
    expect(during).toMatchObject({
      status: 'REBUILD',
      'OS-EXT-STS:task_state': 'rebuilding',
      'OS-EXT-SRV-ATTR:host': 'compute-1',
    });
    const [m0] = await migrations(sim, token, id);
    expect(m0).toMatchObject({
      status: 'accepted',
      migration_type: 'evacuation',
      source_compute: 'compute-1',
      dest_compute: null,
      instance_uuid: id,
    });
    expect(m0!['uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(m0!['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$/);
    await waitFor('pre-migrating', async () => (await migrations(sim, token, id))[0]!['status'] === 'pre-migrating');
    const after = await waitFor('ACTIVE elsewhere', async () => {
      const s = await server(sim, token, id);
      return s['status'] === 'ACTIVE' && s['OS-EXT-SRV-ATTR:host'] !== 'compute-1' ? s : undefined;
    });
    expect(after['OS-EXT-STS:task_state']).toBeNull();
    const [m] = await migrations(sim, token, id);
    expect(m).toMatchObject({
      status: 'done',
      dest_compute: after['OS-EXT-SRV-ATTR:host'],
      dest_node: after['OS-EXT-SRV-ATTR:host'],
    });
    expect(sim.snapshot().services.find((s) => s.host === 'compute-1')!.pendingCleanup).toEqual([id]);
  });

  test('a stopped instance stays SHUTOFF at the destination (Zed restores the stopped state)', async () => {
    const id = serverId(sim, 'data-etl-1');
    expect((await evacuate(sim, token, id)).status).toBe(200);
    expect((await server(sim, token, id))['status']).toBe('REBUILD');
    const after = await waitFor('moved', async () => {
      const s = await server(sim, token, id);
      return s['OS-EXT-SRV-ATTR:host'] !== 'compute-1' ? s : undefined;
    });
    expect(after).toMatchObject({ status: 'SHUTOFF', 'OS-EXT-STS:vm_state': 'stopped', 'OS-EXT-STS:power_state': 4 });
  });

  test('Nova accepts a second evacuate of an instance in flight; the extra record stays accepted for good', async () => {
    const id = serverId(sim, 'research-win-1');
    expect((await evacuate(sim, token, id)).status).toBe(200);
    expect((await evacuate(sim, token, id)).status).toBe(200);
    await waitFor('moved', async () => (await server(sim, token, id))['OS-EXT-SRV-ATTR:host'] !== 'compute-1');
    const ms = await migrations(sim, token, id);
    expect(ms).toHaveLength(2);
    // Newest first: the duplicate, still accepted with no destination; then the one that did the work.
    expect(ms[0]).toMatchObject({ status: 'accepted', dest_compute: null });
    expect(ms[1]).toMatchObject({ status: 'done' });
  });

  test('forced_down=false is refused while done evacuations remain; a restart cleans up (done → completed)', async () => {
    const refused = await forceDown(sim, token, 'compute-1', false);
    expect(refused.status).toBe(400);
    expect(refused.body.badRequest.message).toBe(
      'Unable to force up host compute-1 as `done` evacuation migration records remain associated with the host. Ensure the compute service has been restarted, allowing these records to move to `completed` before retrying this request.',
    );
    sim.restartHost('compute-1');
    const list = await nova(sim, token, '/os-migrations?source_compute=compute-1&migration_type=evacuation', {
      mv: '2.93',
    });
    const statuses = list.body.migrations.map((m: Migration) => m['status']).sort();
    expect(statuses).toEqual(['accepted', 'completed', 'completed', 'completed']);
    expect(sim.snapshot().services.find((s) => s.host === 'compute-1')!.pendingCleanup).toEqual([]);
    // Restarted but still forced down: down until the flag is cleared (FACTS rule 8).
    const svc = await nova(sim, token, '/os-services?binary=nova-compute&host=compute-1', { mv: '2.53' });
    expect(svc.body.services[0]).toMatchObject({ state: 'down', forced_down: true });
    const ok = await forceDown(sim, token, 'compute-1', false);
    expect(ok.status).toBe(200);
    expect(ok.body.service).toMatchObject({ state: 'up', forced_down: false });
  });
});

describe('NoValidHost and target rules', () => {
  let sim: SimCloud;
  let token: string;
  beforeAll(async () => {
    sim = await startSimCloud({ ...FAST, hosts: 3 });
    token = await adminToken(sim);
    sim.crashHost('compute-1');
    await forceDown(sim, token, 'compute-1');
  });
  afterAll(async () => {
    await sim.stop();
  });

  test('faults.noValidHostFor → ERROR with the fault, migration error; evacuable again later', async () => {
    const id = serverId(sim, 'shop-web-1');
    (sim.faults.noValidHostFor as Set<string>).add(id);
    expect((await evacuate(sim, token, id)).status).toBe(200);
    const failed = await waitFor('ERROR', async () => {
      const s = await server(sim, token, id);
      return s['status'] === 'ERROR' ? s : undefined;
    });
    expect(failed['fault']).toMatchObject({
      code: 500,
      message: 'No valid host was found. There are not enough hosts available.',
    });
    expect(failed['fault'].details).toContain('NoValidHost');
    expect(failed['OS-EXT-SRV-ATTR:host']).toBe('compute-1');
    expect((await migrations(sim, token, id))[0]).toMatchObject({ status: 'error', dest_compute: null });

    (sim.faults.noValidHostFor as Set<string>).delete(id);
    expect((await evacuate(sim, token, id)).status).toBe(200);
    const ok = await waitFor('ACTIVE', async () => {
      const s = await server(sim, token, id);
      return s['status'] === 'ACTIVE' && s['OS-EXT-SRV-ATTR:host'] !== 'compute-1' ? s : undefined;
    });
    expect('fault' in ok).toBe(false);
    expect((await migrations(sim, token, id)).map((m) => m['status'])).toEqual(['done', 'error']);
  });

  test('target host rules: same host 400, unknown 404, down target (2.68+) → ERROR', async () => {
    const id = serverId(sim, 'shop-db-1');
    const same = await evacuate(sim, token, id, { host: 'compute-1' });
    expect(same.body).toEqual({ badRequest: { code: 400, message: "The target host can't be the same one." } });
    const unknown = await evacuate(sim, token, id, { host: 'no-such-host' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.itemNotFound.message).toBe('Compute host no-such-host not found.');
    await forceDown(sim, token, 'compute-3');
    expect((await evacuate(sim, token, id, { host: 'compute-3' })).status).toBe(200);
    await waitFor('ERROR', async () => (await server(sim, token, id))['status'] === 'ERROR');
    await forceDown(sim, token, 'compute-3', false);
  });

  test('body rules by microversion: force only 2.29–2.67, onSharedStorage only below 2.14', async () => {
    const id = serverId(sim, 'shop-db-1');
    const force = await evacuate(sim, token, id, { host: 'compute-2', force: true }, '2.68');
    expect(force.status).toBe(400);
    expect(force.body.badRequest.message).toContain("Additional properties are not allowed ('force' was unexpected)");
    expect((await evacuate(sim, token, id, { onSharedStorage: false }, '2.14')).status).toBe(400);
    const missing = await evacuate(sim, token, id, {}, '2.1');
    expect(missing.status).toBe(400);
    expect(missing.body.badRequest.message).toContain("'onSharedStorage' is a required property");
    expect((await evacuate(sim, token, id, { force: true }, '2.29')).body.badRequest.message).toBe(
      "Can't force to a non-provided destination",
    );
  });

  test('every other host disabled → NoValidHost', async () => {
    const id = serverId(sim, 'data-etl-1');
    for (const h of ['compute-2', 'compute-3']) {
      await nova(sim, token, `/os-services/${await serviceId(sim, token, h)}`, {
        mv: '2.53',
        method: 'PUT',
        body: { status: 'disabled' },
      });
    }
    expect((await evacuate(sim, token, id)).status).toBe(200);
    await waitFor('ERROR', async () => (await server(sim, token, id))['status'] === 'ERROR');
    expect((await migrations(sim, token, id))[0]!['status']).toBe('error');
    for (const h of ['compute-2', 'compute-3']) {
      await nova(sim, token, `/os-services/${await serviceId(sim, token, h)}`, {
        mv: '2.53',
        method: 'PUT',
        body: { status: 'enabled' },
      });
    }
  });

  test('onSharedStorage=true on non-shared storage (2.1) → ERROR "Invalid state of instance files", migration failed', async () => {
    const id = serverId(sim, 'ci-runner-1');
    const res = await evacuate(sim, token, id, { onSharedStorage: true }, '2.1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ adminPass: null });
    await waitFor('ERROR', async () => (await server(sim, token, id))['status'] === 'ERROR');
    expect((await server(sim, token, id))['fault'].message).toBe('Invalid state of instance files on shared storage');
    expect((await migrations(sim, token, id))[0]!['status']).toBe('failed');
    // Below 2.14 a generated admin password comes back.
    const again = await evacuate(sim, token, id, { onSharedStorage: false }, '2.1');
    expect(again.body.adminPass).toEqual(expect.any(String));
    await waitFor('ACTIVE', async () => (await server(sim, token, id))['status'] === 'ACTIVE');
  });

  test('force onto a dead host (2.29): stuck in REBUILD / accepted until that compute comes back', async () => {
    const id = serverId(sim, 'research-win-1');
    sim.crashHost('compute-2');
    const res = await evacuate(sim, token, id, { host: 'compute-2', force: true }, '2.29');
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect((await server(sim, token, id))['status']).toBe('REBUILD');
    expect((await migrations(sim, token, id))[0]).toMatchObject({ status: 'accepted', dest_compute: 'compute-2' });
    sim.restartHost('compute-2');
    await waitFor(
      'ACTIVE on compute-2',
      async () => (await server(sim, token, id))['OS-EXT-SRV-ATTR:host'] === 'compute-2',
    );
  });
});

describe('exact host match and listing filters', () => {
  let sim: SimCloud;
  let token: string;
  beforeAll(async () => {
    sim = await startSimCloud({ ...FAST, hosts: ['compute-1', 'compute-10', 'compute-100'] });
    token = await adminToken(sim);
  });
  afterAll(async () => {
    await sim.stop();
  });

  test('host=compute-1 never returns compute-10 or compute-100 instances', async () => {
    const snap = sim.snapshot().servers;
    for (const host of sim.hosts) {
      const res = await nova(sim, token, `/servers/detail?all_tenants=1&host=${host}`, { mv: '2.93' });
      const got = res.body.servers.map((s: Server) => s.id).sort();
      expect(got).toEqual(
        snap
          .filter((s) => s.host === host)
          .map((s) => s.id)
          .sort(),
      );
      expect(res.body.servers.every((s: Server) => s['OS-EXT-SRV-ATTR:host'] === host)).toBe(true);
    }
  });

  test('project_id with all_tenants; paging with limit/marker', async () => {
    const snap = sim.snapshot().servers;
    const project = snap[0]!.projectId;
    const res = await nova(sim, token, `/servers/detail?all_tenants=1&project_id=${project}`, { mv: '2.93' });
    expect(res.body.servers.length).toBe(snap.filter((s) => s.projectId === project).length);
    expect(res.body.servers.every((s: Server) => s['tenant_id'] === project)).toBe(true);
    const page = await nova(sim, token, '/servers?all_tenants=1&limit=5', { mv: '2.93' });
    expect(page.body.servers).toHaveLength(5);
    expect(page.body.servers_links[0].href).toContain('marker=');
    expect((await nova(sim, token, '/servers/00000000-0000-4000-8000-000000000000', { mv: '2.93' })).body).toEqual({
      itemNotFound: { code: 404, message: 'Instance 00000000-0000-4000-8000-000000000000 could not be found.' },
    });
  });

  test('os-migrations fields by microversion', async () => {
    sim.crashHost('compute-1');
    await forceDown(sim, token, 'compute-1');
    const id = serverId(sim, 'shop-web-1');
    await evacuate(sim, token, id);
    const old = (await migrations(sim, token, id, '2.1'))[0]!;
    expect('migration_type' in old).toBe(false);
    expect('uuid' in old).toBe(false);
    expect(typeof old['id']).toBe('number');
    const v59 = (await migrations(sim, token, id, '2.59'))[0]!;
    expect(v59['uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect('project_id' in v59).toBe(false);
    const v80 = (await migrations(sim, token, id, '2.80'))[0]!;
    expect(v80['project_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(
      (await nova(sim, token, `/os-migrations?instance_uuid=${id}&hidden=1`, { mv: '2.93' })).body.migrations,
    ).toEqual([]);
  });
});

describe('evacuationFinishLagMs', () => {
  test('ACTIVE with task_state null on the OLD host for a moment, then the host and migration done', async () => {
    const sim = await startSimCloud({ ...FAST, hosts: 3, rebuildMs: 100, evacuationFinishLagMs: 400 });
    try {
      const token = await adminToken(sim);
      await forceDown(sim, token, 'compute-1');
      const id = serverId(sim, 'shop-web-1');
      await evacuate(sim, token, id);
      const window = await waitFor('ACTIVE on old host', async () => {
        const s = await server(sim, token, id);
        return s['status'] === 'ACTIVE' ? s : undefined;
      });
      expect(window['OS-EXT-SRV-ATTR:host']).toBe('compute-1');
      expect(window['OS-EXT-STS:task_state']).toBeNull();
      expect((await migrations(sim, token, id))[0]!['status']).toBe('pre-migrating');
      await waitFor('done', async () => (await migrations(sim, token, id))[0]!['status'] === 'done');
      expect((await server(sim, token, id))['OS-EXT-SRV-ATTR:host']).not.toBe('compute-1');
    } finally {
      await sim.stop();
    }
  });
});
