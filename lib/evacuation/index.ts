export { planEvacuation, type PlanResult } from './plan.js';
export { assessEvacuation, assessFromListing, type Assessment } from './assess.js';
export { nextRoundDelayMs, MAX_ROUNDS, EVENTS_PER_ROUND, FIRST_CHECK_MS } from './schedule.js';
export * from './schemas.js';
export { chooseReservedHost, reservedCandidates, unusableReason, targetFor, evacuateTarget } from './reserved.js';
export type { ReservedCandidate, ReservedChoice } from './reserved.js';
export * from './reserved-schemas.js';
