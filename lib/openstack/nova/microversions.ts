/**
 * Each Nova call pins the microversion it was written for (DESIGN §6), never "latest":
 * a newer cloud must not change the shape of what we read or send.
 */
export const MICROVERSION = {
  /** 2.53: service ids are UUIDs and PUT /os-services/{id} takes forced_down + status together. */
  services: '2.53',
  /** 2.47: the server's flavor is embedded with its extra_specs (needed by the evacuable filter). */
  servers: '2.47',
  /** 2.68: evacuate without `force` (removed at 2.68, so we cannot send it by mistake). */
  evacuateClassic: '2.68',
  /** 2.95: every evacuated instance is left stopped at the destination. */
  evacuateStopped: '2.95',
  /** 2.59: migrations carry their uuid; migration_type filtering exists since 2.23. */
  migrations: '2.59',
  /** 2.73: the lock action takes a locked_reason and the server shows it back (Nova Train+). */
  locks: '2.73',
  /** 2.41: aggregates carry their uuid; name, availability_zone, hosts and metadata exist since 2.1. */
  aggregates: '2.41',
  /** 2.53: a hypervisor's id is the compute node UUID, which Placement uses as the provider UUID. */
  hypervisors: '2.53',
} as const;

/** The lowest maximum microversion a cloud must offer for freezer-dr to work (Queens+ has 2.60, Zed 2.93). */
export const MINIMUM_CLOUD_MICROVERSION = '2.68';

export function compareMicroversions(a: string, b: string): number {
  const [amaj = 0, amin = 0] = a.split('.').map(Number);
  const [bmaj = 0, bmin = 0] = b.split('.').map(Number);
  return amaj - bmaj || amin - bmin;
}
