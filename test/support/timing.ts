import type { SimOptions } from '../../lib/sim/index.js';

/** The in-process runner's Wait and Retry intervals, shortened for tests (keyed by ASL state name). */
export interface Timing {
  waitMs?: Record<string, number>;
  retryMs?: Record<string, number | number[]>;
}

/** Every test environment runs the state machine with these: one place to change when the ASL changes. */
export const FAST: Required<Timing> = {
  waitMs: { WaitForEvacuation: 50 },
  retryMs: {
    Validate: 10,
    Fence: 10,
    Isolate: 10,
    Plan: 10,
    DryRunPlan: 10,
    EvacuateRound: 20,
    Notify: 10,
    PrepareTargets: 10,
    ReleaseTargets: 10,
  },
};

/** A simulated cloud that heartbeats, fails and rebuilds fast enough for tests. */
export const FAST_SIM: SimOptions = {
  reportIntervalMs: 100,
  serviceDownTimeMs: 1000,
  rebuildMs: 150,
  redfish: { powerOffDelayMs: 50 },
};
