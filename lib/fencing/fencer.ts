import type { IpmiBmcConfig, ManualBmcConfig, RedfishBmcConfig } from '../config/index.js';

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

/** What every driver gets beside its own config entry: the host and the timeouts. */
interface Resolved {
  host: string;
  /** One request (an IPMI request with its retransmissions, one HTTP request), in milliseconds. */
  requestTimeoutMs: number;
  /** One operation (a whole IPMI session, a Redfish login + reads), in milliseconds. Defaults to 4 requests. */
  operationTimeoutMs?: number;
}

/**
 * A BMC entry with its secrets resolved: only ever handed to a driver, never logged.
 * `password` (and IPMI's `kg`) hold the secret values instead of their references.
 */
export type ResolvedRedfishBmc = Omit<RedfishBmcConfig, 'password'> & Resolved & { password?: string };
export type ResolvedIpmiBmc = Omit<IpmiBmcConfig, 'password' | 'kg'> &
  Resolved & {
    password?: string;
    /** K_G in hex, resolved from its secret reference. */
    kg?: string;
  };
export type ResolvedManualBmc = ManualBmcConfig & Resolved;
export type ResolvedBmc = ResolvedRedfishBmc | ResolvedIpmiBmc | ResolvedManualBmc;

export type FencerFactory<B extends ResolvedBmc = ResolvedBmc> = (bmc: B) => Fencer;
