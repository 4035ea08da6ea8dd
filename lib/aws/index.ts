export { startRecoveryExecution } from './start-execution.js';
export { describeRecoveryExecution } from './start-execution.js';
export { sampleWithinWindow, SCHEDULE_MS, type SamplingOptions } from './sampling.js';
