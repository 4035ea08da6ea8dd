import type { PlanResult } from '../evacuation/index.js';
import type { Incident, IncidentStore } from '../incidents/index.js';
import type { Logger } from '../log/index.js';
import { limiter } from '../async/index.js';
import {
  getConsumerAllocations,
  getInventories,
  getProviderAllocations,
  getUsages,
  listAggregates,
  listComputeServices,
  listHypervisors,
  listResourceProviders,
  type Aggregate,
  type ComputeService,
  type Hypervisor,
  type OpenStackSession,
  type ResourceProvider,
} from '../openstack/index.js';
import { RESOURCE_CLASSES, type ClassCapacity, type Demand, type HostView, type ResourceClass } from './schemas.js';

/** What a capacity run reads from and with. */
export interface CapacityDeps {
  session: OpenStackSession;
  store: IncidentStore;
  now: () => Date;
  log?: Logger;
  signal?: AbortSignal;
  /**
   * The evacuation plan for a host: which instances a recovery would evacuate (lib/workflow's
   * computePlan, so the estimate and a recovery use one filter).
   */
  planFor(host: string): Promise<PlanResult>;
  /** Disabled hosts kept as spares (reserved hosts): counted as room. Defaults to none. */
  isReserved?: (service: ComputeService) => boolean;
}

/** Placement calls in flight at once. */
const CONCURRENCY = 8;
const INCIDENTS_READ = 200;

export interface CloudView {
  hosts: HostView[];
  services: ComputeService[];
  /** Each host's provider (null when Placement has none for it). */
  providers: Map<string, ResourceProvider | null>;
}

function providerFor(
  svc: ComputeService,
  hypervisors: readonly Hypervisor[],
  providers: readonly ResourceProvider[],
): ResourceProvider | null {
  // From 2.53 the hypervisor id is the compute node UUID, which is also its provider's UUID; the
  // names are a fallback (a provider is named after the hypervisor hostname, which may be a FQDN).
  const hyp = hypervisors.find((h) => h.host === svc.host);
  return (
    (hyp && providers.find((p) => p.uuid === hyp.id)) ??
    (hyp && providers.find((p) => p.name === hyp.hypervisorHostname)) ??
    providers.find((p) => p.name === svc.host) ??
    null
  );
}

/** Out for repair: an incident in flight, or the last real one fenced it and Nova still has it isolated. */
function outForRepair(svc: ComputeService, open: readonly Incident[], recent: readonly Incident[]): string | null {
  const inFlight = open.find((i) => i.host === svc.host);
  if (inFlight) return `recovery in flight (incident ${inFlight.id})`;
  const last = recent.find((i) => i.host === svc.host && !i.dryRun && i.status !== 'dry-run');
  if (last?.fence && (svc.forcedDown || svc.status === 'disabled'))
    return `out for repair (fenced by incident ${last.id}, not returned to service)`;
  return null;
}

function exclusion(svc: ComputeService, reserved: boolean, repair: string | null): string | null {
  if (repair) return repair;
  if (svc.forcedDown) return 'forced down';
  if (svc.state !== 'up') return 'down';
  if (svc.status === 'disabled' && !reserved) return `disabled${svc.disabledReason ? ` (${svc.disabledReason})` : ''}`;
  return null;
}

async function readCapacity(
  deps: CapacityDeps,
  provider: ResourceProvider,
): Promise<{ capacity: HostView['capacity']; problem: string | null }> {
  try {
    const [inventories, usages] = await Promise.all([
      getInventories(deps.session, provider.uuid, deps.signal),
      getUsages(deps.session, provider.uuid, deps.signal),
    ]);
    const capacity: HostView['capacity'] = {};
    for (const rc of RESOURCE_CLASSES) {
      const inv = inventories[rc];
      if (inv) capacity[rc] = { ...inv, used: usages[rc] ?? 0 } satisfies ClassCapacity;
    }
    const problem = Object.keys(capacity).length
      ? null
      : `its resource provider ${provider.uuid} has no VCPU, MEMORY_MB or DISK_GB inventory`;
    return { capacity, problem };
  } catch (err) {
    if (deps.signal?.aborted) throw err;
    return { capacity: {}, problem: `Placement data unreadable: ${(err as Error).message}` };
  }
}

/**
 * Every compute host as the estimate needs it: Nova's services, hypervisors and aggregates, each
 * host's Placement inventory and usage, and the incidents that keep hosts out for repair. A host
 * whose Placement data cannot be read counts as no room (with the problem); Placement not answering
 * at all is an error for the caller.
 */
export async function observeCloud(deps: CapacityDeps): Promise<CloudView> {
  const { services } = await listComputeServices(deps.session, deps.signal);
  const [hypervisors, providers, aggregates, open, recent] = await Promise.all([
    listHypervisors(deps.session, deps.signal),
    listResourceProviders(deps.session, { signal: deps.signal }),
    listAggregates(deps.session, deps.signal).catch((err: unknown): Aggregate[] => {
      deps.log?.warn('capacity: host aggregates could not be read; answering without them', {
        error: (err as Error).message,
      });
      return [];
    }),
    deps.store.listIncidents({ openOnly: true }),
    deps.store.listIncidents({ limit: INCIDENTS_READ }),
  ]);
  const limit = limiter(CONCURRENCY);
  const byHost = new Map<string, ResourceProvider | null>();
  const hosts = await Promise.all(
    [...services]
      .sort((a, b) => a.host.localeCompare(b.host))
      .map(async (svc): Promise<HostView> => {
        const reserved = svc.status === 'disabled' && (deps.isReserved?.(svc) ?? false);
        const provider = providerFor(svc, hypervisors, providers);
        byHost.set(svc.host, provider);
        let excluded = exclusion(svc, reserved, outForRepair(svc, open, recent));
        let read: Awaited<ReturnType<typeof readCapacity>> = { capacity: {}, problem: null };
        if (!provider) read.problem = 'Placement has no resource provider for it';
        else if (excluded === null) read = await limit(() => readCapacity(deps, provider));
        if (excluded === null && read.problem) excluded = read.problem;
        return {
          host: svc.host,
          zone: svc.zone,
          aggregates: aggregates.filter((a) => !a.availabilityZone && a.hosts.includes(svc.host)).map((a) => a.name),
          up: svc.state === 'up',
          enabled: svc.status === 'enabled',
          forcedDown: svc.forcedDown,
          reserved,
          excluded,
          providerUuid: provider?.uuid ?? null,
          capacity: read.capacity,
          problem: read.problem,
        };
      }),
  );
  return { hosts, services, providers: byHost };
}

function pick(resources: Record<string, number>): Partial<Record<ResourceClass, number>> {
  const out: Partial<Record<ResourceClass, number>> = {};
  for (const rc of RESOURCE_CLASSES) if (resources[rc]) out[rc] = resources[rc];
  return out;
}

/**
 * The host's evacuable instances (its plan) with what each holds in Placement on that host;
 * an instance with no allocation there is looked up by consumer (its allocation may sit on
 * another provider mid-move); without any, its size is unknown.
 */
export async function demandsOf(
  deps: CapacityDeps,
  host: string,
  provider: ResourceProvider | null,
): Promise<{ demands: Demand[]; skipped: number }> {
  const plan = await deps.planFor(host);
  const onHost = provider ? await getProviderAllocations(deps.session, provider.uuid, deps.signal) : {};
  const demands: Demand[] = [];
  for (const item of plan.items) {
    let resources: Record<string, number> | undefined = onHost[item.id];
    if (!resources) {
      const all = await getConsumerAllocations(deps.session, item.id, deps.signal);
      const merged: Record<string, number> = {};
      for (const r of Object.values(all)) for (const [rc, n] of Object.entries(r)) merged[rc] = (merged[rc] ?? 0) + n;
      resources = Object.keys(merged).length ? merged : undefined;
    }
    demands.push({ id: item.id, name: item.name, resources: resources ? pick(resources) : null });
  }
  return { demands, skipped: plan.skipped.length };
}
