/**
 * The Placement contract (test/contract/placement.contract.ts) against the simulator, with three
 * hosts like the e2e bed. The same suite runs against the real bed in test/e2e/placement-contract.test.ts.
 */
import { defaultSeed, startSimCloud } from '../../lib/sim/index.js';
import { placementContract, type PlacementContractTarget } from '../contract/placement.contract.js';

placementContract('simulator', async (): Promise<PlacementContractTarget> => {
  const hosts = ['compute-1', 'compute-2', 'compute-3'];
  const seed = defaultSeed(hosts);
  const sim = await startSimCloud({ hosts, seed });
  // shop-web-1: m1.small on compute-1, image-backed (its root disk is claimed).
  const server = seed.servers.find((s) => s.name === 'shop-web-1')!;
  const flavor = seed.flavors.find((f) => f.id === server.flavorId)!;
  return {
    creds: {
      authUrl: sim.authUrl,
      username: sim.admin.username,
      password: sim.admin.password,
      projectName: sim.admin.projectName,
      regionName: sim.regionName,
    },
    hosts,
    server: { id: server.id, host: server.host!, flavor: { vcpus: flavor.vcpus, ram: flavor.ram, disk: flavor.disk } },
    dispose: () => sim.stop(),
  };
});
