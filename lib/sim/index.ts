/**
 * An embedded simulated OpenStack cloud for the demo and fast tests: Keystone v3, Nova 2.1
 * (microversions up to 2.93 by default), Glance v2 images, Placement 1.x (read-only: providers,
 * inventories, usages, allocations), one Redfish BMC per compute host, and
 * an SMTP sink — all on 127.0.0.1, in-process, speaking the real wire formats (DESIGN §6,
 * openstack-testbed/FACTS.md).
 */
export { startSimCloud } from './cloud.js';
export { startSimSmtp } from './smtp.js';
export type { SimSmtp, SimSmtpMessage, SimSmtpOptions } from './smtp.js';
export { defaultSeed, PRIORITY_KEY } from './seed.js';
export type { SeedData, SeedServer } from './seed.js';
export type {
  AdminCredentials,
  BmcAccess,
  BmcFaults,
  MigrationSnapshot,
  RedfishPowerState,
  RequestLogEntry,
  ServerSnapshot,
  ServiceSnapshot,
  SimCloud,
  SimFaults,
  SimOptions,
  SimServiceName,
  SimAggregate,
  SimSnapshot,
} from './types.js';
export type { SimPlacement } from './placement/service.js';
export type { SimInventory } from './placement/model.js';
