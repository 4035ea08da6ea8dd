import { RESOURCE_CLASSES, type Resources } from './schemas.js';

const UNIT: Record<string, string> = { VCPU: 'vCPU', MEMORY_MB: 'MB RAM', DISK_GB: 'GB disk' };

/** "40 of 256 vCPU, 81920 of 262144 MB RAM, ..." (free of usable), the classes that have capacity. */
export function describeResources(free: Resources, capacity: Resources): string {
  const parts = RESOURCE_CLASSES.filter((rc) => capacity[rc] !== undefined).map(
    (rc) => `${Math.floor(free[rc] ?? 0)} of ${Math.floor(capacity[rc] ?? 0)} ${UNIT[rc]} free`,
  );
  return parts.join(', ') || 'none';
}

/** "4 vCPU, 8192 MB RAM, 81 GB disk" */
export function describeDemand(r: Resources): string {
  const parts = RESOURCE_CLASSES.filter((rc) => (r[rc] ?? 0) > 0).map((rc) => `${r[rc]} ${UNIT[rc]}`);
  return parts.join(', ') || 'nothing';
}
