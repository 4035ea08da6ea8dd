/**
 * The Keystone + Nova contract (test/contract/nova-keystone.contract.ts) against the simulator,
 * with three hosts like the e2e bed. The same suite runs against the real bed in
 * `npm run test:e2e` (test/e2e/contract-bed.test.ts).
 */
import { defaultSeed, startSimCloud } from '../../lib/sim/index.js';
import { novaKeystoneContract, type ContractTarget } from '../contract/nova-keystone.contract.js';

novaKeystoneContract('simulator', async (): Promise<ContractTarget> => {
  const hosts = ['compute-1', 'compute-2', 'compute-3'] as const;
  const seed = defaultSeed(hosts);
  // Fast clocks, and the ~0.5 s window real Nova shows between ACTIVE and the host switch.
  const sim = await startSimCloud({
    hosts: [...hosts],
    seed,
    reportIntervalMs: 200,
    serviceDownTimeMs: 2000,
    rebuildMs: 300,
    evacuationFinishLagMs: 200,
    hostBootMs: 100,
  });
  const used = new Set<string>();
  const project = seed.projects.find((p) => p.name === 'shop-frontend')!;
  const members = [
    ...new Set(seed.assignments.filter((a) => a.projectId === project.id && a.userId).map((a) => a.userId!)),
  ].map((id) => seed.users.find((u) => u.id === id)!);
  return {
    creds: {
      authUrl: sim.authUrl,
      username: sim.admin.username,
      password: sim.admin.password,
      projectName: sim.admin.projectName,
      regionName: sim.regionName,
    },
    hosts: [...hosts],
    async serverOn(host) {
      const s = sim
        .snapshot()
        .servers.find(
          (x) =>
            x.host === host &&
            x.vmState === 'active' &&
            x.taskState === null &&
            x.launchedAt !== null &&
            !used.has(x.id),
        );
      if (!s) throw new Error(`the simulator has no unused ACTIVE server on ${host}`);
      used.add(s.id);
      return s.id;
    },
    async membersProject() {
      return {
        projectId: project.id,
        withEmail: Object.fromEntries(members.filter((u) => u.email !== undefined).map((u) => [u.id, u.email!])),
        withoutEmail: members.filter((u) => u.email === undefined).map((u) => u.id),
      };
    },
    killCompute: async (host) => sim.crashHost(host),
    startCompute: async (host) => sim.restartHost(host),
    computeRunning: async (host) =>
      sim.snapshot().services.find((s) => s.binary === 'nova-compute' && s.host === host)?.running ?? false,
    evacuationTimeoutMs: 10_000,
    dispose: () => sim.stop(),
  };
});
