/**
 * The Placement contract freezer-dr's capacity check relies on, as one read-only suite run
 * against two clouds: the simulator (test/integration/placement-contract-sim.test.ts) and the
 * real Placement of the e2e bed (test/e2e/placement-contract.test.ts). Same requests with the
 * microversions freezer-dr pins (lib/openstack/placement/microversions.ts), through a plain
 * HTTP client; where the simulator differs from the real thing, the simulator gets fixed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PLACEMENT_MICROVERSION } from '../../lib/openstack/placement/microversions.js';
import { RawCloud, type Credentials, type RawResponse } from './openstack-http.js';

export interface PlacementContractTarget {
  creds: Credentials;
  /** Compute hosts that are up, each with a Placement resource provider. */
  hosts: string[];
  /** An ACTIVE server on the first host, with the flavor it was booted with. */
  server: { id: string; host: string; flavor: { vcpus: number; ram: number; disk: number } };
  dispose(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CLASSES = ['VCPU', 'MEMORY_MB', 'DISK_GB'];
type Errors = { errors: Array<{ status: number; title: string; detail: string; request_id: string; code?: string }> };
type Provider = { uuid: string; name: string; generation: number; links: Array<{ rel: string; href: string }> };

export function placementContract(name: string, setup: () => Promise<PlacementContractTarget>): void {
  describe(`Placement contract: ${name}`, () => {
    let target: PlacementContractTarget;
    let cloud: RawCloud;
    let base: string;
    const get = async <T = unknown>(path: string, mv?: string): Promise<RawResponse<T>> => {
      const headers: Record<string, string> = { 'X-Auth-Token': cloud.token, Accept: 'application/json' };
      if (mv) headers['OpenStack-API-Version'] = `placement ${mv}`;
      const res = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: kept as text
      }
      return { status: res.status, headers: res.headers, body: body as T, text };
    };
    const providers = async () =>
      (await get<{ resource_providers: Provider[] }>('/resource_providers', PLACEMENT_MICROVERSION.resourceProviders))
        .body.resource_providers;

    beforeAll(async () => {
      target = await setup();
      cloud = new RawCloud(target.creds);
      const auth = await cloud.authenticate();
      expect(auth.status).toBe(201);
      base = cloud.endpoint('placement');
    });
    afterAll(async () => {
      await target?.dispose();
    });

    test('the catalog has a placement endpoint whose root document offers our microversions', async () => {
      const res = await fetch(`${base}/`);
      const doc = (await res.json()) as { versions: Array<{ id: string; min_version: string; max_version: string }> };
      expect(res.status).toBe(200);
      expect(doc.versions[0]).toMatchObject({
        id: 'v1.0',
        min_version: '1.0',
        max_version: expect.stringMatching(/^1\.\d+$/),
      });
      for (const mv of Object.values(PLACEMENT_MICROVERSION))
        expect(Number(mv.split('.')[1])).toBeLessThanOrEqual(Number(doc.versions[0]!.max_version.split('.')[1]));
    });

    test('each compute host has a root provider named after it, whose uuid is the hypervisor id of Nova 2.53', async () => {
      const res = await get<{ resource_providers: Provider[] }>(
        '/resource_providers',
        PLACEMENT_MICROVERSION.resourceProviders,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('openstack-api-version')).toBe(`placement ${PLACEMENT_MICROVERSION.resourceProviders}`);
      const hyp = await cloud.nova<{
        hypervisors: Array<{ id: string; hypervisor_hostname: string; service: { host: string } }>;
      }>('GET', '/os-hypervisors/detail', { mv: '2.53' });
      expect(hyp.status).toBe(200);
      for (const host of target.hosts) {
        const p = res.body.resource_providers.find((x) => x.name === host);
        expect(p).toMatchObject({ uuid: expect.stringMatching(UUID), generation: expect.any(Number) });
        const h = hyp.body.hypervisors.find((x) => x.service.host === host);
        expect(h?.id).toBe(p!.uuid);
      }
      // The name filter is exact.
      const one = await get<{ resource_providers: Provider[] }>(`/resource_providers?name=${target.hosts[0]}`, '1.0');
      expect(one.body.resource_providers.map((p) => p.name)).toEqual([target.hosts[0]]);
    });

    test('inventories carry the six numbers of VCPU, MEMORY_MB and DISK_GB', async () => {
      for (const p of (await providers()).filter((x) => target.hosts.includes(x.name))) {
        const res = await get<{
          resource_provider_generation: number;
          inventories: Record<string, Record<string, unknown>>;
        }>(`/resource_providers/${p.uuid}/inventories`, PLACEMENT_MICROVERSION.inventories);
        expect(res.status).toBe(200);
        expect(res.body.resource_provider_generation).toEqual(expect.any(Number));
        for (const rc of CLASSES) {
          const inv = res.body.inventories[rc]!;
          for (const f of ['total', 'reserved', 'min_unit', 'max_unit', 'step_size', 'allocation_ratio'])
            expect([rc, f, typeof inv[f]]).toEqual([rc, f, 'number']);
          expect(inv.max_unit as number).toBeLessThanOrEqual(inv.total as number);
        }
      }
    });

    test("usages and the provider's allocations agree, and a server holds its flavor there", async () => {
      const p = (await providers()).find((x) => x.name === target.server.host)!;
      const usages = await get<{ usages: Record<string, number> }>(`/resource_providers/${p.uuid}/usages`, '1.0');
      const allocs = await get<{ allocations: Record<string, { resources: Record<string, number> }> }>(
        `/resource_providers/${p.uuid}/allocations`,
        PLACEMENT_MICROVERSION.allocations,
      );
      expect([usages.status, allocs.status]).toEqual([200, 200]);
      const sum: Record<string, number> = {};
      for (const a of Object.values(allocs.body.allocations))
        for (const [rc, n] of Object.entries(a.resources)) sum[rc] = (sum[rc] ?? 0) + n;
      for (const rc of CLASSES) expect([rc, usages.body.usages[rc] ?? 0]).toEqual([rc, sum[rc] ?? 0]);
      const f = target.server.flavor;
      expect(allocs.body.allocations[target.server.id]?.resources).toEqual({
        VCPU: f.vcpus,
        MEMORY_MB: f.ram,
        DISK_GB: f.disk,
      });
      const consumer = await get<{ allocations: Record<string, { resources: Record<string, number> }> }>(
        `/allocations/${target.server.id}`,
        PLACEMENT_MICROVERSION.allocations,
      );
      expect(consumer.status).toBe(200);
      expect(consumer.body.allocations[p.uuid]?.resources).toEqual({
        VCPU: f.vcpus,
        MEMORY_MB: f.ram,
        DISK_GB: f.disk,
      });
      const none = await get(`/allocations/00000000-0000-4000-8000-000000000000`, '1.0');
      expect([none.status, none.body]).toEqual([200, { allocations: {} }]);
    });

    test('errors: an unknown provider is 404, a bad or too new microversion 400 / 406, an unknown filter 400', async () => {
      const nobody = '00000000-0000-4000-8000-000000000000';
      for (const what of ['inventories', 'usages', 'allocations']) {
        const res = await get<Errors>(`/resource_providers/${nobody}/${what}`, '1.0');
        expect([what, res.status]).toEqual([what, 404]);
        expect(res.body.errors[0]).toMatchObject({ status: 404, title: 'Not Found', request_id: expect.any(String) });
        expect(res.body.errors[0]!.detail).toContain(`No resource provider with uuid ${nobody} found`);
        expect(res.body.errors[0]!.code).toBeUndefined();
      }
      const coded = await get<Errors>(`/resource_providers/${nobody}/inventories`, '1.23');
      expect(coded.body.errors[0]!.code).toBe('placement.undefined_code');
      const tooNew = await get<Errors>('/resource_providers', '1.999');
      expect(tooNew.status).toBe(406);
      expect(tooNew.body.errors[0]!.detail).toContain('Unacceptable version header: 1.999');
      const bad = await get<Errors>('/resource_providers', 'abc');
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0]!.detail).toContain('invalid version string: abc');
      const filter = await get<Errors>(`/resource_providers?in_tree=${nobody}`, '1.0');
      expect(filter.status).toBe(400);
      expect(filter.body.errors[0]!.detail).toContain(
        "Additional properties are not allowed ('in_tree' was unexpected)",
      );
      const anonymous = await fetch(`${base}/resource_providers`);
      expect(anonymous.status).toBe(401);
    });
  });
}
