import { uuidFrom } from '../ids.js';
import type { CloudState, ServerRec } from '../state.js';

export interface SimInventory {
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
}

/** Per cloud: each compute node's inventories (by resource class) and its provider generation. */
interface PlacementModel {
  inventories: Map<string, Record<string, SimInventory>>;
  generations: Map<string, number>;
}

const models = new WeakMap<CloudState, PlacementModel>();

/**
 * What a compute node reports by default: 16 cores at Nova's default cpu_allocation_ratio 4.0,
 * 64 GiB with 512 MB reserved for the host (reserved_host_memory_mb) at ram ratio 1.0, 1 TB of
 * local disk at ratio 1.0; max_unit is the physical total, as the libvirt driver reports it.
 */
export function defaultInventory(): Record<string, SimInventory> {
  const inv = (total: number, reserved: number, ratio: number): SimInventory => ({
    total,
    reserved,
    min_unit: 1,
    max_unit: total,
    step_size: 1,
    allocation_ratio: ratio,
  });
  return { VCPU: inv(16, 0, 4.0), MEMORY_MB: inv(65536, 512, 1.0), DISK_GB: inv(1000, 0, 1.0) };
}

export function placementModel(state: CloudState): PlacementModel {
  let m = models.get(state);
  if (!m) {
    m = { inventories: new Map(), generations: new Map() };
    for (const host of state.hosts.keys()) {
      m.inventories.set(host, defaultInventory());
      m.generations.set(host, 1);
    }
    models.set(state, m);
  }
  return m;
}

/** The provider UUID of a compute node: the hypervisor's id from 2.53 (Nova uses the compute node UUID for both). */
export function providerUuid(host: string): string {
  return uuidFrom(`hypervisor:${host}`);
}

export function hostOfProvider(state: CloudState, uuid: string): string | undefined {
  return [...state.hosts.keys()].find((h) => providerUuid(h) === uuid);
}

/**
 * What Nova's scheduler claims for a flavor: VCPU = vcpus, MEMORY_MB = ram, DISK_GB = root +
 * ephemeral + swap rounded up to GB; a volume-backed instance (no image) claims no root disk.
 */
export function flavorResources(state: CloudState, server: ServerRec): Record<string, number> {
  const f = state.seed.flavors.find((x) => x.id === server.flavorId);
  if (!f) return {};
  const root = server.imageId === null ? 0 : f.disk;
  const disk = root + f.ephemeral + Math.ceil(f.swap / 1024);
  const r: Record<string, number> = { VCPU: f.vcpus, MEMORY_MB: f.ram };
  if (disk > 0) r.DISK_GB = disk;
  return r;
}

/**
 * Every consumer's allocations on a host, as Nova leaves them: an instance placed there (a
 * build in progress is claimed too; a build that never launched and failed is not), the
 * destination claim of an evacuation in flight, and instances evacuated away whose source
 * allocation stays until this host's nova-compute starts again and cleans up.
 */
export function allocationsOn(state: CloudState, host: string): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  const h = state.hosts.get(host);
  for (const s of state.servers.values()) {
    const placedHere = s.host === host && (s.launchedAt !== null || s.vmState === 'building');
    const evacuatingHere = state.evacuations.get(s.id)?.dest === host;
    const leftover = h?.pendingCleanup.has(s.id) ?? false;
    if (placedHere || evacuatingHere || leftover) out.set(s.id, flavorResources(state, s));
  }
  return out;
}

export function usagesOn(state: CloudState, host: string): Record<string, number> {
  const usages: Record<string, number> = {};
  for (const rc of Object.keys(placementModel(state).inventories.get(host) ?? {})) usages[rc] = 0;
  for (const resources of allocationsOn(state, host).values())
    for (const [rc, n] of Object.entries(resources)) usages[rc] = (usages[rc] ?? 0) + n;
  return usages;
}
