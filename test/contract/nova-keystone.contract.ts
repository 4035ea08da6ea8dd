/**
 * The Keystone + Nova contract freezer-dr relies on, as one suite run against two clouds:
 * the simulator (test/integration/contract-sim.test.ts, in `npm test`) and the real Keystone +
 * Nova Zed of the e2e bed (test/e2e/contract-bed.test.ts, in `npm run test:e2e`). The same
 * requests must give the same status codes and the same fields; where the simulator differs
 * from the real thing, the simulator is what gets fixed.
 *
 * Requests are made with the microversions freezer-dr pins (lib/openstack/nova/microversions.ts),
 * through a plain HTTP client: what is asserted is what the cloud said.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import {
  MICROVERSION,
  MINIMUM_CLOUD_MICROVERSION,
  compareMicroversions,
} from '../../lib/openstack/nova/microversions.js';
import {
  RawCloud,
  waitUntil,
  type Credentials,
  type NovaMigration,
  type NovaServer,
  type NovaService,
} from './openstack-http.js';

export interface ContractTarget {
  /** Admin credentials (project-scoped, admin role). */
  creds: Credentials;
  /** Three compute hosts of the cloud, all up and enabled at the start of each test. */
  hosts: [string, string, string];
  /** An ACTIVE, launched server on `host` that the test may evacuate. */
  serverOn(host: string): Promise<string>;
  /** A project with members, some with an email and some without. */
  membersProject(): Promise<{ projectId: string; withEmail: Record<string, string>; withoutEmail: string[] }>;
  /** nova-compute on `host` dies like `kill -9`: heartbeats stop, nothing else changes. */
  killCompute(host: string): Promise<void>;
  /** nova-compute on `host` starts (again): it cleans up evacuated instances and heartbeats. */
  startCompute(host: string): Promise<void>;
  /** Is nova-compute on `host` running? */
  computeRunning(host: string): Promise<boolean>;
  /** How long a rebuild may take on this cloud. */
  evacuationTimeoutMs: number;
  dispose(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOVA_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?$/;
const NO_VALID_HOST = 'No valid host was found.';
const hostOf = (s: NovaServer) => s['OS-EXT-SRV-ATTR:host'];
const faultMessage = (body: unknown) => Object.values((body ?? {}) as Record<string, { message?: string }>)[0]?.message;

/**
 * Back to healthy after a test: every compute running, un-forced (Nova refuses while `done`
 * evacuations wait for the source's clean-up: retried), up, then enabled — FACTS' safe order.
 */
export async function healComputes(cloud: RawCloud, target: ContractTarget, timeoutMs = 120_000): Promise<void> {
  const restarted: string[] = [];
  for (const h of target.hosts) {
    if (await target.computeRunning(h)) continue;
    await target.startCompute(h);
    restarted.push(h);
  }
  await waitUntil('every compute un-forced, up and enabled', timeoutMs, async () => {
    let healthy = true;
    for (const s of await cloud.computeServices()) {
      if (!target.hosts.includes(s.host)) continue;
      if (s.forced_down) {
        const r = await cloud.nova('PUT', `/os-services/${s.id}`, {
          mv: MICROVERSION.services,
          body: { forced_down: false },
        });
        if (r.status !== 200) healthy = false;
        continue;
      }
      if (s.state !== 'up') {
        healthy = false;
        continue;
      }
      if (s.status === 'disabled')
        await cloud.nova('PUT', `/os-services/${s.id}`, { mv: MICROVERSION.services, body: { status: 'enabled' } });
    }
    return healthy;
  });
  // Right after the un-force Nova reads a restarted compute up on its old heartbeat; the scheduler
  // drops it ("not heard from in a while") once that ages out, unless the new process has
  // reported. Seen on the bed: a boot pinned to such a host failed with NoValidHost.
  if (restarted.length === 0) return;
  const seen = new Map((await cloud.computeServices()).map((s) => [s.host, s.updated_at]));
  await waitUntil(`a fresh heartbeat from ${restarted.join(', ')}`, timeoutMs, async () => {
    const now = await cloud.computeServices();
    return restarted.every((h) => {
      const s = now.find((x) => x.host === h);
      return s !== undefined && s.state === 'up' && s.updated_at !== null && s.updated_at !== seen.get(h);
    });
  });
}

export function novaKeystoneContract(cloudName: string, makeTarget: () => Promise<ContractTarget>): void {
  describe(`Keystone + Nova contract: ${cloudName}`, () => {
    let target: ContractTarget;
    let cloud: RawCloud;
    let touched = false;

    beforeAll(async () => {
      target = await makeTarget();
      cloud = new RawCloud(target.creds);
    });
    afterEach(async () => {
      if (touched) await healComputes(cloud, target);
      touched = false;
    });
    afterAll(async () => {
      await target?.dispose();
    });

    const service = async (host: string): Promise<NovaService> =>
      (await cloud.computeServices()).find((s) => s.host === host)!;
    const evacuate = (id: string, body: Record<string, unknown> = {}) =>
      cloud.nova('POST', `/servers/${id}/action`, { mv: MICROVERSION.evacuateClassic, body: { evacuate: body } });
    const putService = (id: string, body: Record<string, unknown>) =>
      cloud.nova<{ service: NovaService }>('PUT', `/os-services/${id}`, { mv: MICROVERSION.services, body });
    const evacuations = (id: string) =>
      cloud.nova<{ migrations: NovaMigration[] }>(
        'GET',
        `/os-migrations?instance_uuid=${id}&migration_type=evacuation`,
        { mv: MICROVERSION.migrations },
      );
    /** kill -9 + forced_down: the state in which freezer-dr evacuates. */
    const fail = async (host: string) => {
      touched = true;
      await target.killCompute(host);
      const r = await putService((await service(host)).id, { forced_down: true });
      expect(r.status).toBe(200);
    };

    test('Keystone: a password token comes in X-Subject-Token, with expires_at and a catalog holding the public compute endpoint', async () => {
      const res = await cloud.authenticate();
      expect(res.status).toBe(201);
      expect(res.headers.get('x-subject-token')).toMatch(/^\S{20,}$/);
      const token = (res.body as { token: Record<string, unknown> }).token;
      expect(Date.parse(String(token.expires_at))).toBeGreaterThan(Date.now() + 10 * 60_000);
      expect(token.project).toMatchObject({ name: target.creds.projectName });
      expect((token.roles as Array<{ name: string }>).map((r) => r.name)).toContain('admin');
      const types = cloud.catalog.map((c) => c.type);
      expect(types).toEqual(expect.arrayContaining(['identity', 'compute']));
      const compute = cloud.catalog.find((c) => c.type === 'compute')!;
      expect(
        compute.endpoints.find((e) => e.interface === 'public' && (e.region_id ?? e.region) === target.creds.regionName)
          ?.url,
      ).toMatch(/^https?:\/\//);

      const bad = await new RawCloud({ ...target.creds, password: 'wrong-password' }).authenticate();
      expect(bad.status).toBe(401);
      expect(bad.headers.get('x-subject-token')).toBeNull();
    });

    test('Nova: the version document offers the microversions we need; pinned requests are echoed; beyond the maximum is 406', async () => {
      const doc = await cloud.nova<{ version: { id: string; version: string; min_version: string } }>('GET', '/');
      expect(doc.status).toBe(200);
      expect(doc.body.version.id).toBe('v2.1');
      expect(compareMicroversions(doc.body.version.version, MINIMUM_CLOUD_MICROVERSION)).toBeGreaterThanOrEqual(0);
      expect(doc.body.version.min_version).toBe('2.1');
      expect(doc.headers.get('openstack-api-version')).toBe('compute 2.1');

      const pinned = await cloud.nova('GET', '/os-services?binary=nova-compute', { mv: MICROVERSION.services });
      expect(pinned.headers.get('openstack-api-version')).toBe(`compute ${MICROVERSION.services}`);
      const [maj, min] = doc.body.version.version.split('.').map(Number);
      const beyond = await cloud.nova('GET', '/os-services', { mv: `${maj}.${min! + 1}` });
      expect(beyond.status).toBe(406);
      expect(faultMessage(beyond.body)).toBe(
        `Version ${maj}.${min! + 1} is not supported by the API. Minimum is 2.1 and maximum is ${doc.body.version.version}.`,
      );
    });

    test('os-services at 2.53: UUID ids and the fields the monitor reads; binary and host filters are exact', async () => {
      const res = await cloud.nova<{ services: NovaService[] }>('GET', '/os-services?binary=nova-compute', {
        mv: MICROVERSION.services,
      });
      expect(res.status).toBe(200);
      const mine = res.body.services.filter((s) => target.hosts.includes(s.host));
      expect(mine.map((s) => s.host).sort()).toEqual([...target.hosts].sort());
      for (const s of res.body.services) {
        expect(s.binary).toBe('nova-compute');
        expect(s.id).toMatch(UUID);
        expect(typeof s.zone).toBe('string');
        expect(['enabled', 'disabled']).toContain(s.status);
        expect(['up', 'down']).toContain(s.state);
        expect(typeof s.forced_down).toBe('boolean');
        expect(s.updated_at).toMatch(NOVA_TIME);
        expect(s).toHaveProperty('disabled_reason');
      }
      for (const s of mine)
        expect(s).toMatchObject({ status: 'enabled', state: 'up', forced_down: false, disabled_reason: null });
      // The heartbeat is recent: updated_at is UTC without a zone.
      const age = Date.now() - Date.parse(`${mine[0]!.updated_at}Z`);
      expect(age).toBeGreaterThan(-5000);
      expect(age).toBeLessThan(60_000);

      const one = await cloud.nova<{ services: NovaService[] }>(
        'GET',
        `/os-services?binary=nova-compute&host=${target.hosts[0]}`,
        { mv: MICROVERSION.services },
      );
      expect(one.body.services.map((s) => s.host)).toEqual([target.hosts[0]]);
      const prefix = target.hosts[0].replace(/-?\d+$/, '');
      const none = await cloud.nova<{ services: NovaService[] }>(
        'GET',
        `/os-services?binary=nova-compute&host=${prefix}`,
        { mv: MICROVERSION.services },
      );
      expect(none.status).toBe(200);
      expect(none.body.services).toEqual([]);
    });

    test('os-aggregates at 2.41: a list of aggregates with the fields the aggregate limits read', async () => {
      const res = await cloud.nova<{ aggregates: Array<Record<string, unknown>> }>('GET', '/os-aggregates', {
        mv: MICROVERSION.aggregates,
      });
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body.aggregates)).toBe(true);
      for (const a of res.body.aggregates) {
        expect(typeof a.id).toBe('number');
        expect(typeof a.name).toBe('string');
        expect(a).toHaveProperty('availability_zone');
        expect(Array.isArray(a.hosts)).toBe(true);
        expect(typeof a.metadata).toBe('object');
      }
    });

    test('forced_down: true makes a heartbeating service down at once; false brings it back; disable carries the reason', async () => {
      touched = true;
      const host = target.hosts[2];
      const svc = await service(host);
      const down = await putService(svc.id, { forced_down: true });
      expect(down.status).toBe(200);
      expect(down.body.service).toMatchObject({
        id: svc.id,
        host,
        forced_down: true,
        state: 'down',
        status: 'enabled',
      });
      expect(await service(host)).toMatchObject({ forced_down: true, state: 'down' });

      const disabled = await putService(svc.id, { status: 'disabled', disabled_reason: 'contract test' });
      expect(disabled.status).toBe(200);
      expect(disabled.body.service).toMatchObject({
        status: 'disabled',
        disabled_reason: 'contract test',
        forced_down: true,
      });

      const up = await putService(svc.id, { forced_down: false });
      expect(up.status).toBe(200);
      expect(up.body.service).toMatchObject({ forced_down: false, state: 'up' });
      const enabled = await putService(svc.id, { status: 'enabled' });
      expect(enabled.status).toBe(200);
      expect(enabled.body.service).toMatchObject({ status: 'enabled', disabled_reason: null });

      const empty = await putService(svc.id, {});
      expect(empty.status).toBe(400);
      const unknown = await putService('00000000-0000-0000-0000-000000000000', { forced_down: true });
      expect(unknown.status).toBe(404);
      expect(faultMessage(unknown.body)).toBe('Service 00000000-0000-0000-0000-000000000000 could not be found.');
    });

    test('evacuate target rules: the same host is 400, an unknown host 404 (before any check of the source)', async () => {
      const [a] = target.hosts;
      const id = await target.serverOn(a);
      const same = await evacuate(id, { host: a });
      expect(same.status).toBe(400);
      expect(faultMessage(same.body)).toBe("The target host can't be the same one.");
      const unknown = await evacuate(id, { host: 'no-such-host' });
      expect(unknown.status).toBe(404);
      expect(faultMessage(unknown.body)).toBe('Compute host no-such-host not found.');
      // `force` left the schema at 2.68: freezer-dr could not send it by mistake.
      const force = await evacuate(id, { force: true });
      expect(force.status).toBe(400);
      expect(faultMessage(force.body)).toBe(
        "Invalid input for field/attribute evacuate. Value: {'force': True}. Additional properties are not allowed ('force' was unexpected)",
      );
    });

    test('evacuate is refused with 400 "still in use" while the source counts as up — even right after kill -9', async () => {
      const [a] = target.hosts;
      const id = await target.serverOn(a);
      const alive = await evacuate(id);
      expect(alive.status).toBe(400);
      expect(faultMessage(alive.body)).toBe(`Compute service of ${a} is still in use.`);
      expect(alive.body).toHaveProperty('badRequest');

      touched = true;
      await target.killCompute(a);
      const killed = await evacuate(id);
      expect(killed.status).toBe(400);
      expect(faultMessage(killed.body)).toBe(`Compute service of ${a} is still in use.`);
      expect((await evacuations(id)).body.migrations).toEqual([]);
    });

    test('evacuate after force-down: 200 with an empty body; REBUILD → ACTIVE elsewhere; migration accepted → done; un-force refused until the source restarts (done → completed)', async () => {
      const [a] = target.hosts;
      const id = await target.serverOn(a);
      await fail(a);
      const res = await evacuate(id);
      expect(res.status).toBe(200);
      expect(res.text).toBe('');

      const serverStates: string[] = [];
      const migrationStates: string[] = [];
      const note = (list: string[], v: string) => (list.at(-1) === v ? undefined : list.push(v));
      const final = await waitUntil(
        'the evacuation to finish',
        target.evacuationTimeoutMs,
        async () => {
          const s = await cloud.server(id);
          note(serverStates, `${s.status}/${s['OS-EXT-STS:task_state'] ?? '-'}${hostOf(s) === a ? '@source' : ''}`);
          const m = (await evacuations(id)).body.migrations;
          if (m[0]) note(migrationStates, m[0].status);
          return s.status === 'ACTIVE' && hostOf(s) !== a && m[0]?.status === 'done' ? s : undefined;
        },
        100,
      );
      if (process.env.CONTRACT_TRACE)
        process.stderr.write(
          `[${cloudName}] server: ${serverStates.join(' → ')}; migration: ${migrationStates.join(' → ')}\n`,
        );
      expect(final['OS-EXT-STS:task_state']).toBeNull();
      expect(target.hosts).toContain(hostOf(final));
      // What can be seen on the way: REBUILD/rebuilding (unless it was faster than a poll), then ACTIVE.
      // ACTIVE may show while the host is still the source (FACTS rule 5): done = ACTIVE elsewhere.
      expect(serverStates.at(-1)).toBe('ACTIVE/-');
      for (const st of serverStates.slice(0, -1))
        expect([
          'REBUILD/rebuilding@source',
          'REBUILD/rebuild_block_device_mapping@source',
          'REBUILD/rebuild_spawning@source',
          'ACTIVE/-@source',
        ]).toContain(st);
      const order = ['accepted', 'pre-migrating', 'done'];
      expect(migrationStates.at(-1)).toBe('done');
      expect(migrationStates.map((s) => order.indexOf(s))).toEqual(
        [...migrationStates.map((s) => order.indexOf(s))].sort(),
      );
      expect(migrationStates.every((s) => order.includes(s))).toBe(true);

      const list = await evacuations(id);
      expect(list.status).toBe(200);
      expect(list.body.migrations).toHaveLength(1);
      const m = list.body.migrations[0]!;
      expect(m).toMatchObject({
        instance_uuid: id,
        migration_type: 'evacuation',
        source_compute: a,
        dest_compute: hostOf(final),
        status: 'done',
      });
      expect(m.uuid).toMatch(UUID);
      expect(typeof m.id).toBe('number');
      expect(m.created_at).toMatch(NOVA_TIME);
      const byHost = await cloud.nova<{ migrations: NovaMigration[] }>(
        'GET',
        `/os-migrations?source_compute=${a}&migration_type=evacuation`,
        { mv: MICROVERSION.migrations },
      );
      expect(byHost.body.migrations.map((x) => x.instance_uuid)).toContain(id);
      expect(byHost.body.migrations.every((x) => x.source_compute === a)).toBe(true);

      // Un-forcing is refused while the `done` record waits for the source's clean-up.
      const svc = await service(a);
      const refused = await putService(svc.id, { forced_down: false });
      expect(refused.status).toBe(400);
      expect(faultMessage(refused.body)).toBe(
        `Unable to force up host ${a} as \`done\` evacuation migration records remain associated with the host. Ensure the compute service has been restarted, allowing these records to move to \`completed\` before retrying this request.`,
      );

      await target.startCompute(a);
      await waitUntil(
        'done → completed after the source restarted',
        90_000,
        async () => (await evacuations(id)).body.migrations[0]?.status === 'completed',
      );
      // Still forced down: a restarted compute keeps reading down until the flag is cleared.
      expect(await service(a)).toMatchObject({ forced_down: true, state: 'down' });
      const ok = await putService(svc.id, { forced_down: false });
      expect(ok.status).toBe(200);
      await waitUntil('the source up again', 60_000, async () => (await service(a)).state === 'up');
    });

    test('NoValidHost: with no host to go to, evacuate answers 200, then ERROR with the fault and migration `error`; once hosts are back, the ERROR instance evacuates', async () => {
      const [a, b, c] = target.hosts;
      const id = await target.serverOn(a);
      await fail(a);
      for (const h of [b, c])
        expect(
          (await putService((await service(h)).id, { status: 'disabled', disabled_reason: 'contract: no capacity' }))
            .status,
        ).toBe(200);

      expect((await evacuate(id)).status).toBe(200);
      const errored = await waitUntil('the instance in ERROR', target.evacuationTimeoutMs, async () => {
        const s = await cloud.server(id);
        return s.status === 'ERROR' ? s : undefined;
      });
      expect(errored['OS-EXT-STS:vm_state']).toBe('error');
      expect(errored['OS-EXT-STS:task_state']).toBeNull();
      expect(hostOf(errored)).toBe(a);
      expect(errored.fault?.message).toContain(NO_VALID_HOST);
      const failedMig = await waitUntil('the migration in error', 30_000, async () => {
        const m = (await evacuations(id)).body.migrations;
        return m[0]?.status === 'error' ? m : undefined;
      });
      expect(failedMig).toHaveLength(1);
      expect(failedMig[0]).toMatchObject({ source_compute: a, status: 'error', migration_type: 'evacuation' });

      for (const h of [b, c]) expect((await putService((await service(h)).id, { status: 'enabled' })).status).toBe(200);
      expect((await evacuate(id)).status).toBe(200);
      const moved = await waitUntil('the ERROR instance evacuated', target.evacuationTimeoutMs, async () => {
        const s = await cloud.server(id);
        return s.status === 'ACTIVE' && hostOf(s) !== a ? s : undefined;
      });
      expect([b, c]).toContain(hostOf(moved));
      const migs = await waitUntil('the second migration done', 30_000, async () => {
        const m = (await evacuations(id)).body.migrations;
        return m.some((x) => x.status === 'done') ? m : undefined;
      });
      expect(migs.map((x) => x.status).sort()).toEqual(['done', 'error']);
    });

    test('servers/detail: the host filter (all tenants, admin) is an exact match; the fields the planner reads are there', async () => {
      const [a] = target.hosts;
      const id = await target.serverOn(a);
      const res = await cloud.nova<{ servers: Array<NovaServer & Record<string, unknown>> }>(
        'GET',
        `/servers/detail?all_tenants=1&host=${a}`,
        { mv: MICROVERSION.servers },
      );
      expect(res.status).toBe(200);
      expect(res.body.servers.map((s) => s.id)).toContain(id);
      for (const s of res.body.servers) {
        expect(hostOf(s)).toBe(a);
        expect(s.tenant_id).toMatch(/^[0-9a-f]{32}$/);
        expect(typeof s['OS-EXT-STS:vm_state']).toBe('string');
        expect(s).toHaveProperty('OS-EXT-STS:task_state');
        expect(s).toHaveProperty('OS-SRV-USG:launched_at');
        expect(s.metadata).toEqual(expect.any(Object));
        const flavor = s.flavor as { original_name?: string; extra_specs?: Record<string, string> };
        expect(typeof flavor.original_name).toBe('string');
        expect(flavor.extra_specs).toEqual(expect.any(Object));
        expect(s.image === '' || typeof (s.image as { id?: string }).id === 'string').toBe(true);
      }
      const prefix = a.replace(/-?\d+$/, '');
      const none = await cloud.nova<{ servers: NovaServer[] }>('GET', `/servers/detail?all_tenants=1&host=${prefix}`, {
        mv: MICROVERSION.servers,
      });
      expect(none.status).toBe(200);
      expect(none.body.servers).toEqual([]);
    });

    test('Keystone: effective role assignments with names give the members; users carry an email only when they have one', async () => {
      const { projectId, withEmail, withoutEmail } = await target.membersProject();
      const res = await cloud.keystone<{
        role_assignments: Array<{
          user?: { id: string; name?: string };
          role: { id: string; name?: string };
          scope: { project?: { id: string } };
        }>;
      }>('GET', `/role_assignments?scope.project.id=${projectId}&effective&include_names`);
      expect(res.status).toBe(200);
      const users = new Set(res.body.role_assignments.map((a) => a.user?.id).filter(Boolean));
      for (const id of [...Object.keys(withEmail), ...withoutEmail]) expect(users).toContain(id);
      for (const a of res.body.role_assignments) {
        expect(a.scope.project?.id).toBe(projectId);
        expect(typeof a.role.name).toBe('string');
        if (a.user) expect(typeof a.user.name).toBe('string');
      }
      for (const [id, email] of Object.entries(withEmail)) {
        const u = await cloud.keystone<{ user: Record<string, unknown> }>('GET', `/users/${id}`);
        expect(u.status).toBe(200);
        expect(u.body.user).toMatchObject({ id, email, enabled: true });
      }
      for (const id of withoutEmail) {
        const u = await cloud.keystone<{ user: Record<string, unknown> }>('GET', `/users/${id}`);
        expect(u.status).toBe(200);
        expect(u.body.user).not.toHaveProperty('email');
      }
      const missing = await cloud.keystone('GET', '/users/00000000000000000000000000000000');
      expect(missing.status).toBe(404);
    });
  });
}
