export { startRecoveryExecution } from './start-execution.js';
export { describeRecoveryExecution } from './start-execution.js';
export { sampleWithinWindow, SCHEDULE_MS, type SamplingOptions } from './sampling.js';
export { followExecution, resetFollowForTests, type ExecutionStep, type FollowOptions } from './follow-execution.js';
export { resetForTests as resetStartForTests } from './start-execution.js';
