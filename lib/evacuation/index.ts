export { planEvacuation, type PlanResult } from './plan.js';
export { assessEvacuation, assessFromListing, type Assessment } from './assess.js';
export { nextRoundDelayMs, roundFloorMs, MAX_ROUNDS, EVENTS_PER_ROUND, FIRST_CHECK_MS } from './schedule.js';
export * from './schemas.js';
export { currentGroup, restartGroups, type GroupProgress } from './groups.js';
export { isNoValidHost, retryDelayMs, reasonAfterAttempts } from './retry.js';
export { lockReasonFor } from './locks.js';
