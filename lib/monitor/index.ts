export { decide, type DecideInput, type DecideOutput } from './decide.js';
export { runMonitorPass, isPaused, PAUSE_SETTING, type StartRecovery, type MonitorPassResult } from './pass.js';
export * from './schemas.js';
