export * from './schemas.js';
export { IncidentHeadroomSchema, type IncidentHeadroom } from './headroom.js';
export * from './errors.js';
export type { IncidentStore } from './store.js';
export { createStore } from './registry.js';
export { incidentIdFor } from './ids.js';
