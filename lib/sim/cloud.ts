import { createClock } from './clock.js';
import { createFaults } from './faults.js';
import { crashCompute, crashHost, restartNow } from './hosts.js';
import { prometheusHandler } from './prometheus.js';
import { glanceHandler } from './glance.js';
import { startHttpService, type RunningHttpService } from './http.js';
import { newRequestId } from './ids.js';
import { keystoneHandler } from './keystone/app.js';
import { REGION } from './keystone/catalog.js';
import { novaHandler } from './nova/app.js';
import { resolveOptions } from './options.js';
import { startRedfishBmc } from './redfish-bmc.js';
import { defaultSeed, type SeedData } from './seed.js';
import { snapshot } from './snapshot.js';
import { simPlacement, startPlacement } from './placement/service.js';
import { createState, getHost } from './state.js';
import { createTimers } from './timers.js';
import type { SimCloud, SimOptions } from './types.js';

function checkSeed(seed: SeedData, hosts: readonly string[]): void {
  for (const s of seed.servers) {
    if (s.host !== null && !hosts.includes(s.host))
      throw new Error(`sim: seed server ${s.name} is on unknown host ${s.host}`);
    if (!seed.flavors.some((f) => f.id === s.flavorId))
      throw new Error(`sim: seed server ${s.name} has unknown flavor ${s.flavorId}`);
    if (!seed.projects.some((p) => p.id === s.projectId))
      throw new Error(`sim: seed server ${s.name} has unknown project ${s.projectId}`);
  }
  if (!seed.users.some((u) => u.id === seed.admin.userId))
    throw new Error('sim: seed.admin.userId is not a seeded user');
  if (!seed.projects.some((p) => p.id === seed.admin.projectId))
    throw new Error('sim: seed.admin.projectId is not a seeded project');
  if (!seed.applicationCredentials.some((c) => c.id === seed.admin.applicationCredentialId))
    throw new Error('sim: seed.admin.applicationCredentialId is not a seeded credential');
}

/**
 * Start Keystone, Nova, Glance, Placement and one Redfish BMC per compute host on 127.0.0.1 (random ports),
 * all over one in-memory model. Always `await sim.stop()`.
 */
// eslint-disable-next-line max-lines-per-function -- test double: wires every simulated service in one place
export async function startSimCloud(options: SimOptions = {}): Promise<SimCloud> {
  const opts = resolveOptions(options);
  const seedData =
    typeof options.seed === 'function' ? options.seed(opts.hosts) : (options.seed ?? defaultSeed(opts.hosts));
  checkSeed(seedData, opts.hosts);
  const clock = createClock(opts.clockSkewMs);
  const timers = createTimers();
  const faults = createFaults(opts.hosts);
  const state = createState({ opts, clock, faults, timers, seed: structuredClone(seedData) });

  const started: RunningHttpService[] = [];
  const bmcs = new Map<string, RunningHttpService>();
  let prometheusUrl = '';
  try {
    const keystone = await startHttpService({
      service: 'keystone',
      state,
      refuse: () => faults.keystone.down,
      commonHeaders: () => ({ 'x-openstack-request-id': newRequestId(), Vary: 'X-Auth-Token' }),
      handle: keystoneHandler(state),
    });
    started.push(keystone);
    const nova = await startHttpService({
      service: 'nova',
      state,
      commonHeaders: () => {
        const id = newRequestId();
        return { 'x-openstack-request-id': id, 'x-compute-request-id': id };
      },
      handle: novaHandler(state),
    });
    started.push(nova);
    const glance = await startHttpService({
      service: 'glance',
      state,
      commonHeaders: () => ({ 'x-openstack-request-id': newRequestId() }),
      handle: glanceHandler(state),
    });
    started.push(glance);
    state.endpoints.identity = `${keystone.origin}/v3`;
    state.endpoints.compute = `${nova.origin}/v2.1`;
    state.endpoints.image = glance.origin;
    started.push(await startPlacement(state));
    const prometheus = await startHttpService({
      service: 'prometheus',
      state,
      refuse: () => faults.prometheus.mode === 'down',
      handle: prometheusHandler(state),
    });
    started.push(prometheus);
    prometheusUrl = prometheus.origin;
    for (const host of state.hosts.values()) {
      const bmc = await startRedfishBmc(state, host);
      started.push(bmc);
      bmcs.set(host.name, bmc);
    }
  } catch (err) {
    timers.clearAll();
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }

  const admin = state.seed.users.find((u) => u.id === state.seed.admin.userId)!;
  const adminProject = state.seed.projects.find((p) => p.id === state.seed.admin.projectId)!;
  const appCred = state.seed.applicationCredentials.find((c) => c.id === state.seed.admin.applicationCredentialId)!;
  let stopped: Promise<void> | undefined;

  return {
    authUrl: state.endpoints.identity,
    regionName: REGION,
    endpoints: { ...state.endpoints },
    admin: {
      username: admin.name,
      password: admin.password,
      projectName: adminProject.name,
      userDomainName: state.seed.domain.name,
      projectDomainName: state.seed.domain.name,
      userId: admin.id,
      projectId: adminProject.id,
      domainId: state.seed.domain.id,
      applicationCredentialId: appCred.id,
      applicationCredentialSecret: appCred.secret,
    },
    hosts: [...opts.hosts],
    bmc(host) {
      const h = getHost(state, host);
      return {
        url: bmcs.get(host)!.origin,
        username: h.bmc.username,
        password: h.bmc.password,
        systemId: h.bmc.systemId,
      };
    },
    crashHost: (host) => crashHost(state, getHost(state, host)),
    stopNovaCompute: (host) => crashCompute(state, getHost(state, host)),
    prometheusUrl,
    placement: simPlacement(state),
    setAggregates(aggregates) {
      state.aggregates = structuredClone(aggregates);
    },
    restartHost: (host) => restartNow(state, getHost(state, host)),
    powerState: (host) => getHost(state, host).power,
    now: () => clock.now(),
    faults,
    snapshot: () => snapshot(state),
    requestLog: state.requestLog,
    stop() {
      stopped ??= (async () => {
        timers.clearAll();
        await Promise.all(started.map((s) => s.stop()));
      })();
      return stopped;
    },
  };
}
