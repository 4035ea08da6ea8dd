import { startHttpService, type RunningHttpService } from '../http.js';
import { newRequestId } from '../ids.js';
import type { CloudState } from '../state.js';
import { placementHandler } from './app.js';
import { placementModel, providerUuid, defaultInventory, type SimInventory } from './model.js';

/** Start the simulated Placement API and put it in the catalog. */
export async function startPlacement(state: CloudState): Promise<RunningHttpService> {
  placementModel(state);
  const svc = await startHttpService({
    service: 'placement',
    state,
    refuse: () => state.faults.placement.mode === 'down',
    commonHeaders: () => ({ 'x-openstack-request-id': newRequestId() }),
    handle: placementHandler(state),
  });
  state.endpoints.placement = svc.origin;
  return svc;
}

/** What tests use to craft Placement data (SimCloud.placement). */
export interface SimPlacement {
  /** The provider UUID of a compute host (the hypervisor id from Nova 2.53). */
  providerUuid(host: string): string;
  /** Replace one resource class of a host's inventory (fields not given keep their value); null removes the class. */
  setInventory(host: string, resourceClass: string, inventory: Partial<SimInventory> | null): void;
  /** Remove every inventory record of a host (a compute node that has not reported yet). */
  clearInventory(host: string): void;
  inventory(host: string): Record<string, SimInventory>;
}

export function simPlacement(state: CloudState): SimPlacement {
  const model = () => placementModel(state);
  const bump = (host: string) => model().generations.set(host, (model().generations.get(host) ?? 1) + 1);
  const known = (host: string) => {
    if (!state.hosts.has(host)) throw new Error(`sim: unknown host ${JSON.stringify(host)}`);
  };
  return {
    providerUuid,
    setInventory(host, rc, inventory) {
      known(host);
      const inv = model().inventories.get(host) ?? {};
      if (inventory === null) delete inv[rc];
      else {
        const base = inv[rc] ??
          defaultInventory()[rc] ?? {
            total: 0,
            reserved: 0,
            min_unit: 1,
            max_unit: 1,
            step_size: 1,
            allocation_ratio: 1,
          };
        inv[rc] = { ...base, ...inventory };
      }
      model().inventories.set(host, inv);
      bump(host);
    },
    clearInventory(host) {
      known(host);
      model().inventories.set(host, {});
      bump(host);
    },
    inventory: (host) => structuredClone(model().inventories.get(host) ?? {}),
  };
}
