export * from './schemas.js';
export * from './errors.js';
export type { IncidentStore } from './store.js';
export { createStore } from './registry.js';
export { incidentIdFor } from './ids.js';
