import {
  headroomFailed,
  headroomOf,
  runCapacity,
  runScheduledCapacity,
  type CapacityDeps,
  type ScheduledResult,
} from '../capacity/index.js';
import { isReservedHost } from '../evacuation/index.js';
import type { ComputeService } from '../openstack/index.js';
import type { Runtime } from './runtime.js';
import { computePlan } from './steps/plan.js';

/**
 * What lib/capacity needs, from the runtime: the plan is the Plan step's own (computePlan), so the
 * estimate counts exactly the instances a recovery would evacuate. `isReserved` says which
 * disabled hosts are spares (counted as room): by default the reserved hosts of
 * `evacuation.reservedHosts` (listed, or disabled with its marker).
 */
export function capacityDeps(
  rt: Runtime,
  opts: { signal?: AbortSignal; isReserved?: (service: ComputeService) => boolean } = {},
): CapacityDeps {
  return {
    session: rt.session,
    store: rt.store,
    now: rt.now,
    log: rt.log,
    signal: opts.signal,
    planFor: (host) => computePlan(rt, host),
    isReserved: opts.isReserved ?? ((svc) => isReservedHost(rt.config.evacuation.reservedHosts, svc)),
  };
}

/** The scheduled capacity check (watcher: when due; the daily Lambda: `force`). Never throws for a failed run. */
export function scheduledCapacity(rt: Runtime, opts: { force?: boolean } = {}): Promise<ScheduledResult> {
  return runScheduledCapacity(
    { ...capacityDeps(rt), config: rt.config.capacity, notification: rt.config.notification },
    opts,
  );
}

/**
 * Measure the room left when an incident closes and record it on the incident (the admin
 * summary shows it). Bounded by capacity.timeoutSeconds; a failure is recorded as such and
 * never blocks the notifications.
 */
export async function recordHeadroom(rt: Runtime, incidentId: string): Promise<void> {
  if (!rt.config.capacity.headroomInSummary) return;
  const signal = AbortSignal.timeout(rt.config.capacity.timeoutSeconds * 1000);
  let headroom;
  try {
    headroom = headroomOf(await runCapacity(capacityDeps(rt, { signal })));
  } catch (err) {
    rt.log.warn('capacity: the headroom after the recovery could not be measured', {
      incidentId,
      error: `${(err as Error).name}: ${(err as Error).message}`,
    });
    headroom = headroomFailed(rt.now(), err);
  }
  await rt.store.updateIncident(incidentId, { headroom });
}
