/**
 * IPMI v2.0 RMCP+ ("lanplus") fencing driver, pure TypeScript over node:dgram and node:crypto.
 * Each call opens its own session, does one job and closes it: nothing to keep alive
 * between Lambda invocations, and nothing stale after a BMC reboot.
 */
import type { Fencer, FencerFactory, PowerAction, PowerState, ResolvedIpmiBmc } from '../fencer.js';
import { chassisControl, getChassisStatus, powerStateOf, type ChassisAction, type ChassisStatus } from './chassis.js';
import { withSession, type IpmiSession, type SessionParams } from './session.js';
import { resolveIpmiSettings, type IpmiSettings } from './settings.js';
import type { ChannelObserver } from './transport.js';

export type { ChassisAction, ChassisStatus } from './chassis.js';
export { parseChassisStatus, powerStateOf } from './chassis.js';
export { DEFAULT_CIPHER_SUITES, selectCipherSuites, type CipherSuite, type CipherSuiteId } from './cipher-suites.js';
export type { ChannelObserver } from './transport.js';
export type { IpmiSession } from './session.js';
export { forgetCipherSuites } from './negotiation.js';
export { parseIpmiAddress, resolveIpmiSettings, DEFAULT_IPMI_PORT, type IpmiSettings } from './settings.js';

export interface IpmiDriverOptions {
  /** Overrides the per-attempt retransmission timeout derived from requestTimeoutMs. */
  attemptTimeoutMs?: number;
  /** Sees every datagram sent and dropped; for tests and packet-level debugging. */
  observer?: ChannelObserver;
}

function sessionParams(settings: IpmiSettings, options: IpmiDriverOptions, signal?: AbortSignal): SessionParams {
  return {
    ...settings,
    attemptTimeoutMs: options.attemptTimeoutMs ?? settings.attemptTimeoutMs,
    ...(signal ? { signal } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
  };
}

/** Runs `work` in a fresh session to the BMC; the session is closed whatever happens. */
export function withIpmiSession<T>(
  bmc: ResolvedIpmiBmc,
  work: (session: IpmiSession, settings: IpmiSettings) => Promise<T>,
  options: IpmiDriverOptions & { signal?: AbortSignal } = {},
): Promise<T> {
  const settings = resolveIpmiSettings(bmc);
  return withSession(sessionParams(settings, options, options.signal), (s) => work(s, settings));
}

/** Reads the full chassis status (power, faults, restore policy). */
export function ipmiChassisStatus(
  bmc: ResolvedIpmiBmc,
  options: IpmiDriverOptions & { signal?: AbortSignal } = {},
): Promise<ChassisStatus> {
  return withIpmiSession(bmc, (s, settings) => getChassisStatus(s, settings.target), options);
}

/**
 * Sends one Chassis Control and returns when the BMC accepted it, not when it is done.
 * For fencing use `off` through the Fencer; `cycle` can power a host that is off back on.
 */
export function ipmiChassisControl(
  bmc: ResolvedIpmiBmc,
  action: ChassisAction,
  options: IpmiDriverOptions & { signal?: AbortSignal } = {},
): Promise<void> {
  return withIpmiSession(bmc, (s, settings) => chassisControl(s, action, settings.target), options);
}

export const ipmiPowerCycle = (bmc: ResolvedIpmiBmc, signal?: AbortSignal): Promise<void> =>
  ipmiChassisControl(bmc, 'cycle', signal ? { signal } : {});
export const ipmiHardReset = (bmc: ResolvedIpmiBmc, signal?: AbortSignal): Promise<void> =>
  ipmiChassisControl(bmc, 'reset', signal ? { signal } : {});
export const ipmiSoftShutdown = (bmc: ResolvedIpmiBmc, signal?: AbortSignal): Promise<void> =>
  ipmiChassisControl(bmc, 'soft', signal ? { signal } : {});

/** The Fencer of the `ipmi` driver. Settings are checked here, so a bad entry fails before any incident. */
export function createIpmiFencer(bmc: ResolvedIpmiBmc, options: IpmiDriverOptions = {}): Fencer {
  const settings = resolveIpmiSettings(bmc);
  const user = settings.username === '' ? '(null user)' : settings.username;
  return {
    method: 'ipmi',
    target: `ipmi ${user}@${settings.target}`,
    getPower(signal?: AbortSignal): Promise<PowerState> {
      return withSession(sessionParams(settings, options, signal), async (s) =>
        powerStateOf(await getChassisStatus(s, settings.target), settings.target),
      );
    },
    setPower(action: PowerAction, signal?: AbortSignal): Promise<void> {
      return withSession(sessionParams(settings, options, signal), (s) => chassisControl(s, action, settings.target));
    },
  };
}

createIpmiFencer satisfies FencerFactory<ResolvedIpmiBmc>;
