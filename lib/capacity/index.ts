export { runCapacity, capacityForHost, type CapacityOptions } from './run.js';
export type { CapacityDeps } from './observe.js';
export {
  runScheduledCapacity,
  lossText,
  CAPACITY_VERDICT_SETTING,
  CAPACITY_LAST_RUN_SETTING,
  type ScheduledDeps,
  type ScheduledResult,
} from './scheduled.js';
export { headroomOf, headroomFailed } from './headroom.js';
export { packFirstFitDecreasing, usable, type Bin, type PackResult } from './pack.js';
export { answerFor, scenario, worstOf } from './estimate.js';
export { describeResources, describeDemand } from './text.js';
export * from './schemas.js';
export * from './errors.js';
