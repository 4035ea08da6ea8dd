/**
 * The Placement contract (test/contract/placement.contract.ts) against the real Placement (Zed)
 * of the e2e bed: read-only calls. Then `freezer-dr capacity` runs against the bed. The same
 * contract runs against the simulator in test/integration/placement-contract-sim.test.ts.
 * Run under the bed's lock: flock /tmp/fdr-bed.lock npx jest -c jest.e2e.config.js --runInBand test/e2e/placement-contract.test.ts
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { main } from '../../cli/main.js';
import type { CapacityReport } from '../../lib/capacity/index.js';
import { placementContract, type PlacementContractTarget } from '../contract/placement.contract.js';
import { adminCloud, ADMIN_PASSWORD, BMC_PASSWORD, bedIsUp, loadBed } from './support/bed.js';

if (!bedIsUp())
  throw new Error(
    'the e2e test bed is not running: test/e2e/bed/install.sh && test/e2e/bed/start.sh (see test/e2e/README.md)',
  );

interface LiveServer {
  id: string;
  status: string;
  'OS-EXT-SRV-ATTR:host': string | null;
  flavor: { vcpus: number; ram: number; disk: number; ephemeral: number; swap: number };
}

placementContract('real Placement (Zed) on the bed', async (): Promise<PlacementContractTarget> => {
  const bed = loadBed();
  const cloud = adminCloud(bed);
  const hosts = bed.computes.map((c) => c.host);
  // Read-only: whatever server is ACTIVE on a compute now, with its embedded flavor (2.47).
  const res = await cloud.nova<{ servers: LiveServer[] }>('GET', '/servers/detail?all_tenants=1', { mv: '2.47' });
  const s = res.body.servers.find((x) => x.status === 'ACTIVE' && hosts.includes(x['OS-EXT-SRV-ATTR:host'] ?? ''));
  if (!s) throw new Error('no ACTIVE server on a bed compute: reset the bed (test/e2e/bed/ctl.sh reset)');
  return {
    creds: {
      authUrl: bed.authUrl,
      username: bed.admin.username,
      password: ADMIN_PASSWORD,
      projectName: bed.admin.projectName,
      regionName: bed.regionName,
    },
    hosts,
    server: {
      id: s.id,
      host: s['OS-EXT-SRV-ATTR:host']!,
      flavor: {
        vcpus: s.flavor.vcpus,
        ram: s.flavor.ram,
        disk: s.flavor.disk + s.flavor.ephemeral + Math.ceil(s.flavor.swap / 1024),
      },
    },
    dispose: async () => undefined,
  };
});

describe('freezer-dr capacity against the bed', () => {
  test('answers for every compute from the real Placement, exit 0 on a healthy bed', async () => {
    const bed = loadBed();
    process.env.FDR_BED_BMC_PASSWORD = BMC_PASSWORD;
    // The bed's config with a store of our own: the check only reads incidents.
    const raw = parse(readFileSync(bed.freezerDrConfig, 'utf8')) as Record<string, unknown>;
    const dir = mkdtempSync(join(tmpdir(), 'fdr-capacity-e2e-'));
    raw.store = { driver: 'sqlite', path: join(dir, 'incidents.db') };
    writeFileSync(join(dir, 'freezer-dr.yaml'), stringify(raw));
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      ['capacity', '--json', '--config', join(dir, 'freezer-dr.yaml')],
      (l) => out.push(l),
      (l) => err.push(l),
    );
    expect([code, err.join('\n')]).toEqual([0, '']);
    const report = JSON.parse(out.join('\n')) as CapacityReport;
    const computes = bed.computes.map((c) => c.host).sort();
    expect(report.hosts.map((h) => h.host).sort()).toEqual(computes);
    for (const h of report.hosts) {
      expect(h.providerUuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(Object.keys(h.capacity).sort()).toEqual(['DISK_GB', 'MEMORY_MB', 'VCPU']);
    }
    expect(report.answers.map((a) => a.host).sort()).toEqual(computes);
    // Each seeded server is evacuable (the bed's config evacuates all) and holds its flavor in Placement.
    const seeded = bed.servers.filter((s) => computes.includes(s.host));
    expect(report.answers.reduce((n, a) => n + a.instances + a.skipped, 0)).toBeGreaterThanOrEqual(seeded.length);
    expect(report.ok).toBe(true);
    const human: string[] = [];
    expect(
      await main(
        ['capacity', '--config', join(dir, 'freezer-dr.yaml')],
        (l) => human.push(l),
        () => undefined,
      ),
    ).toBe(0);
    expect(human.join('\n')).toMatch(/the loss of any one host is absorbed/);
    process.stdout.write(`${human.join('\n')}\n`);
  });
});
