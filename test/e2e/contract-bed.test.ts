/**
 * The Keystone + Nova contract (test/contract/nova-keystone.contract.ts) against the real
 * Keystone + Nova Zed of the e2e bed. The same suite runs against the simulator in `npm test`.
 */
import { waitUntil } from '../contract/openstack-http.js';
import { novaKeystoneContract, type ContractTarget } from '../contract/nova-keystone.contract.js';
import { adminCloud, ADMIN_PASSWORD, bedIsUp, ctl, killProcess, resetBed } from './support/bed.js';

if (!bedIsUp())
  throw new Error(
    'the e2e test bed is not running: test/e2e/bed/install.sh && test/e2e/bed/start.sh (see test/e2e/README.md)',
  );

novaKeystoneContract('real Keystone 22 + Nova 26 (Zed) on the bed', async (): Promise<ContractTarget> => {
  const bed = await resetBed();
  const cloud = adminCloud(bed);
  let n = 0;
  const alpha = bed.projects.find((p) => p.name === 'e2e-alpha')!;
  return {
    creds: {
      authUrl: bed.authUrl,
      username: bed.admin.username,
      password: ADMIN_PASSWORD,
      projectName: bed.admin.projectName,
      regionName: bed.regionName,
    },
    hosts: bed.computes.slice(0, 3).map((c) => c.host) as [string, string, string],
    async serverOn(host) {
      // A fresh server of the admin project, pinned to the host (2.74, admin only).
      const res = await cloud.nova<{ server: { id: string } }>('POST', '/servers', {
        mv: '2.74',
        body: {
          server: {
            name: `contract-${host}-${++n}`,
            imageRef: bed.imageId,
            flavorRef: bed.flavors['e2e.tiny'],
            networks: 'none',
            host,
          },
        },
      });
      if (res.status !== 202) throw new Error(`boot on ${host}: ${res.status} ${res.text}`);
      const id = res.body.server.id;
      await waitUntil(`server ${id} ACTIVE on ${host}`, 60_000, async () => {
        const s = await cloud.server(id);
        if (s.status === 'ERROR') throw new Error(`boot on ${host} failed: ${JSON.stringify(s.fault)}`);
        return s.status === 'ACTIVE' && s['OS-EXT-SRV-ATTR:host'] === host;
      });
      return id;
    },
    async membersProject() {
      return {
        projectId: alpha.id,
        withEmail: Object.fromEntries(alpha.members.filter((m) => m.email).map((m) => [m.id, m.email!])),
        withoutEmail: alpha.members.filter((m) => !m.email).map((m) => m.id),
      };
    },
    killCompute: async (host) => void (await killProcess(host)),
    startCompute: async (host) => void (await ctl('start-compute', host)),
    computeRunning: (host) =>
      ctl('pid', host).then(
        () => true,
        () => false,
      ),
    evacuationTimeoutMs: 60_000,
    // The seed step deletes the servers booted here and leaves the cloud healthy.
    dispose: async () => void (await resetBed()),
  };
});
