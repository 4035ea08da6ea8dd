export { planEvacuation, type PlanResult, type PlanPolicy, type PlanInputs, type ResetItem } from './plan.js';
export { readPlanInputs } from './inputs.js';
export { EvacuationBlockedError } from './errors.js';
export { STUCK_TASK_STATES, evacuationsInFlight } from './stuck.js';
export { isTrueish } from './marks.js';
export { globToRegExp, firstMatchingGlob } from './glob.js';
export { PRIORITY_MIN, PRIORITY_MAX } from './groups.js';
export { assessEvacuation, assessFromListing, type Assessment } from './assess.js';
export {
  nextRoundDelayMs,
  roundFloorMs,
  MAX_ROUNDS,
  EVENTS_PER_ROUND,
  FIRST_CHECK_MS,
  type RebuildWindow,
} from './schedule.js';
export * from './schemas.js';
export {
  chooseReservedHost,
  isReservedHost,
  reservedCandidates,
  unusableReason,
  targetFor,
  evacuateTarget,
} from './reserved.js';
export type { ReservedCandidate, ReservedChoice } from './reserved.js';
export * from './reserved-schemas.js';
export { currentGroup, restartGroups, type GroupProgress } from './run-groups.js';
export { isNoValidHost, retryDelayMs, reasonAfterAttempts } from './retry.js';
export { lockReasonFor } from './locks.js';
