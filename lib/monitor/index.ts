export { decide, type DecideInput, type DecideOutput } from './decide.js';
export {
  runMonitorPass,
  isPaused,
  pauseState,
  recentHistory,
  PAUSE_SETTING,
  PAUSED_SINCE_SETTING,
  PAUSED_BY_SETTING,
  type StartRecovery,
  type MonitorPassResult,
} from './pass.js';
export { aggregateLimits, MAX_FAILURES_KEY } from './aggregates.js';
export { evaluateGates, type AggregatesObserved } from './gates.js';
export { loadMonitorDriver, loadSecondSignal } from './registry.js';
export type { SecondSignalDriver } from './drivers/second-signal.js';
export * from './errors.js';
export * from './schemas.js';
