/**
 * Chassis commands (spec 28.2, 28.3) on an open session. They only ask: Chassis Control
 * returns before the power changes, and waiting for it is fence.ts's job.
 */
import { BmcPrivilegeError, BmcProtocolError, PowerStateUnknownError } from '../errors.js';
import type { PowerState } from '../fencer.js';
import { describeCompletionCode } from './message.js';
import type { IpmiSession } from './session.js';

const CHASSIS_NETFN = 0x00;
const GET_CHASSIS_STATUS = 0x01;
const CHASSIS_CONTROL = 0x02;
const INSUFFICIENT_PRIVILEGE = 0xd4;

/**
 * `off` is a hard power down, the only fencing action. `cycle` is not a fence: ipmi_sim and
 * some BMCs power a host that is off back on. `soft` asks the OS to shut down (ACPI) and may
 * be ignored by it.
 */
export type ChassisAction = 'off' | 'on' | 'cycle' | 'reset' | 'soft';

const CONTROL_CODE: Readonly<Record<ChassisAction, number>> = Object.freeze({
  off: 0x00,
  on: 0x01,
  cycle: 0x02,
  reset: 0x03,
  soft: 0x05,
});

const CONTROL_NAME: Readonly<Record<ChassisAction, string>> = Object.freeze({
  off: 'power down',
  on: 'power up',
  cycle: 'power cycle',
  reset: 'hard reset',
  soft: 'soft shutdown',
});

export interface ChassisStatus {
  powerOn: boolean;
  powerOverload: boolean;
  interlock: boolean;
  mainPowerFault: boolean;
  /** The controller tried to change the power and the system did not follow. */
  powerControlFault: boolean;
  restorePolicy: 'always-off' | 'previous' | 'always-on' | 'unknown';
}

export function parseChassisStatus(data: Uint8Array): ChassisStatus | undefined {
  const current = data[0];
  // Current power state, last power event and misc chassis state are mandatory.
  if (current === undefined || data.length < 3) return undefined;
  const policy = (current >> 5) & 0x03;
  return {
    powerOn: (current & 0x01) !== 0,
    powerOverload: (current & 0x02) !== 0,
    interlock: (current & 0x04) !== 0,
    mainPowerFault: (current & 0x08) !== 0,
    powerControlFault: (current & 0x10) !== 0,
    restorePolicy: policy === 0 ? 'always-off' : policy === 1 ? 'previous' : policy === 2 ? 'always-on' : 'unknown',
  };
}

/**
 * Only a clean reading is a power state (S1). "Off" while the BMC reports a power control
 * fault means it tried and failed to switch: we cannot call that off.
 */
export function powerStateOf(status: ChassisStatus, target: string): PowerState {
  if (status.powerOn) return 'on';
  if (status.powerControlFault) {
    throw new PowerStateUnknownError(`BMC ${target} reports power off together with a power control fault`, {
      hint: 'check the BMC event log; the host may not really be off',
    });
  }
  return 'off';
}

function privilegeError(target: string, what: string): BmcPrivilegeError {
  return new BmcPrivilegeError(
    `BMC ${target} refused ${what}: completion code ${describeCompletionCode(INSUFFICIENT_PRIVILEGE)}`,
    {
      hint: 'the IPMI user needs the operator or administrator privilege on this channel',
    },
  );
}

export async function getChassisStatus(session: IpmiSession, target: string): Promise<ChassisStatus> {
  const r = await session.request(CHASSIS_NETFN, GET_CHASSIS_STATUS, undefined, 'Get Chassis Status');
  if (r.completionCode === INSUFFICIENT_PRIVILEGE) throw privilegeError(target, 'Get Chassis Status');
  if (r.completionCode !== 0) {
    throw new PowerStateUnknownError(
      `BMC ${target} could not report the chassis status: completion code ${describeCompletionCode(r.completionCode)}`,
    );
  }
  const status = parseChassisStatus(r.data);
  if (!status)
    throw new PowerStateUnknownError(`BMC ${target} sent a truncated chassis status (${r.data.length} bytes)`);
  return status;
}

export async function chassisControl(session: IpmiSession, action: ChassisAction, target: string): Promise<void> {
  const what = `Chassis Control ${CONTROL_NAME[action]}`;
  const r = await session.request(CHASSIS_NETFN, CHASSIS_CONTROL, Uint8Array.of(CONTROL_CODE[action]), what);
  if (r.completionCode === INSUFFICIENT_PRIVILEGE) throw privilegeError(target, what);
  if (r.completionCode !== 0) {
    throw new BmcProtocolError(
      `BMC ${target} refused ${what}: completion code ${describeCompletionCode(r.completionCode)}`,
    );
  }
}
