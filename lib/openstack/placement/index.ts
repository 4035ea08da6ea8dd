/** The Placement API as a flat list of verbs (like openstacksdk's placement proxy). */
export { listResourceProviders, type ResourceProvider } from './resource-providers.js';
export { getInventories, type Inventory } from './inventories.js';
export { getUsages } from './usages.js';
export { getProviderAllocations, getConsumerAllocations } from './allocations.js';
export { PLACEMENT_MICROVERSION } from './microversions.js';
