export { startRecoveryExecution } from './start-execution.js';
export { describeRecoveryExecution } from './start-execution.js';
