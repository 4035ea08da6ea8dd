export {
  listComputeServices,
  forceDownService,
  unforceDownService,
  disableService,
  enableService,
  parseNovaTime,
  novaTimeOf,
  freshestHeartbeat,
  type ComputeService,
  type ServiceListing,
} from './services.js';
export { listServersOnHost, getServer, evacuateServer, type Server, type EvacuateOptions } from './servers.js';
export { getServerLock, lockServer, unlockServer, type ServerLock } from './servers.js';
export { listEvacuationMigrations, listHostEvacuations, type Migration } from './migrations.js';
export { getComputeVersion, assertComputeMicroversions, type ComputeVersion } from './version.js';
export { listAggregates, type Aggregate } from './aggregates.js';
export { listHypervisors, type Hypervisor } from './hypervisors.js';
export { MICROVERSION, compareMicroversions } from './microversions.js';
export { listFlavorsWithExtraSpecs, type Flavor } from './flavors.js';
export { resetServerStateToError } from './reset-state.js';
