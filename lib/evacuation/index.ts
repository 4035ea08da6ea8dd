export { planEvacuation, type PlanResult } from './plan.js';
export { assessEvacuation, assessFromListing, type Assessment } from './assess.js';
export { nextRoundDelayMs, MAX_ROUNDS, EVENTS_PER_ROUND, FIRST_CHECK_MS } from './schedule.js';
export * from './schemas.js';
