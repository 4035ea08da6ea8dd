import type { BmcConfig } from '../config/index.js';

/** Only a clean reading is a power state; anything else is a PowerStateUnknownError. */
export type PowerState = 'on' | 'off';
export type PowerAction = 'off' | 'on';

/**
 * One uniform contract for every BMC kind (as ClusterLabs fence-agents do): a driver reads
 * and sets power, nothing more. It never sleeps, polls or retries — `fence.ts` owns that loop,
 * so every driver gets the same timeouts and the same verification.
 * Drivers throw the errors of `errors.ts`; their messages never contain a credential (S6).
 */
export interface Fencer {
  /** Registry name of the driver, reported as the fence `method`. */
  readonly method: string;
  /** A log-safe description, e.g. "redfish admin@https://10.0.0.5 system 1" (no secret). */
  readonly target: string;
  getPower(signal?: AbortSignal): Promise<PowerState>;
  /** Ask for the power change; returns once the BMC accepted the request (not when done). */
  setPower(action: PowerAction, signal?: AbortSignal): Promise<void>;
  /** Release sessions or sockets, if the driver holds any. */
  close?(): Promise<void>;
}

/** A BMC entry with its secret resolved: only ever handed to a driver, never logged. */
export type ResolvedBmc = Omit<BmcConfig, 'password'> & {
  host: string;
  password?: string;
  /** Per-request timeout in milliseconds. */
  requestTimeoutMs: number;
};

export type FencerFactory = (bmc: ResolvedBmc) => Fencer;
