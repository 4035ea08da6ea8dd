export { planEvacuation, type PlanResult } from './plan.js';
export { assessEvacuation, type Assessment } from './assess.js';
export * from './schemas.js';
