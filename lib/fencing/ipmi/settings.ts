/**
 * Turns a ResolvedBmc into what the session needs, checking what the schema cannot:
 * address syntax, and the IPMI limits on name and password length.
 */
import { UserInputError } from '../../errors.js';
import type { ResolvedIpmiBmc } from '../fencer.js';
import { selectCipherSuites, type CipherSuite } from './cipher-suites.js';
import { MAX_PASSWORD_BYTES, MAX_USERNAME_BYTES } from './crypto.js';
import { privilegeLevel } from './privilege.js';

export const DEFAULT_IPMI_PORT = 623;
/** ipmitool's lanplus default: 1 s before a retransmission. */
const MAX_ATTEMPT_TIMEOUT_MS = 1000;
const MIN_ATTEMPT_TIMEOUT_MS = 50;

export interface IpmiSettings {
  host: string;
  port: number;
  /** The configured address, used in messages (no user, no secret). */
  target: string;
  username: string;
  password: string;
  suites: CipherSuite[];
  privilege: number;
  /** The BMC key K_G as raw bytes, when configured. */
  kg?: Buffer;
  /** First retransmission wait: a quarter of the request budget, at most 1 s (ipmitool's). */
  attemptTimeoutMs: number;
  /** One request with its retransmissions. */
  requestTimeoutMs: number;
  /** One operation: the whole session. */
  timeoutMs: number;
}

/** K_G is at most 20 bytes (spec 13.31), given in hex as ipmitool -y and fence_ipmilan --hexadecimal-kg take it. */
export const MAX_KG_BYTES = 20;

function parseKg(kg: string | undefined, target: string): Buffer | undefined {
  if (kg === undefined) return undefined;
  const hex = kg.trim().replace(/^0x/i, '');
  // The message never quotes the value: it is a secret (S6).
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex) || hex.length > MAX_KG_BYTES * 2) {
    throw new UserInputError(
      `the kg configured for IPMI BMC ${target} is not a hex key of 1 to ${MAX_KG_BYTES} bytes`,
      {
        hint: 'store the BMC key as hex digits (e.g. the value given to ipmitool -y), in the secret that kg refers to',
      },
    );
  }
  return Buffer.from(hex, 'hex');
}

/** host, host:port, [v6]:port, or a bare IPv6 address (several colons, no port). */
export function parseIpmiAddress(address: string): { host: string; port: number } {
  const bad = () =>
    new UserInputError(`invalid IPMI BMC address "${address}"`, {
      hint: 'expected host[:port], e.g. 10.0.0.5, bmc-1.example:623 or [fd00::5]:623',
    });
  const trimmed = address.trim();
  let host = trimmed;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  if (bracket) {
    host = bracket[1] ?? '';
    portText = bracket[2];
  } else if ((trimmed.match(/:/g) ?? []).length === 1) {
    const i = trimmed.lastIndexOf(':');
    host = trimmed.slice(0, i);
    portText = trimmed.slice(i + 1);
  }
  if (!/^[A-Za-z0-9._:%-]+$/.test(host)) throw bad();
  let port = DEFAULT_IPMI_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) throw bad();
    port = Number(portText);
    if (port < 1 || port > 65535) throw bad();
  }
  return { host, port };
}

export function resolveIpmiSettings(bmc: ResolvedIpmiBmc): IpmiSettings {
  if (!bmc.address) {
    throw new UserInputError(`the IPMI BMC of host ${bmc.host} has no address`, {
      hint: 'set address: host[:port] in its fencing entry',
    });
  }
  const { host, port } = parseIpmiAddress(bmc.address);
  const username = bmc.username ?? '';
  const password = bmc.password ?? '';
  // The user name goes on the wire as raw bytes: keep it to printable ASCII.
  if (!/^[\x20-\x7e]*$/.test(username) || username.length > MAX_USERNAME_BYTES) {
    throw new UserInputError(
      `the IPMI user name for BMC ${bmc.address} must be printable ASCII of at most ${MAX_USERNAME_BYTES} characters`,
    );
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new UserInputError(
      `the IPMI password for user ${username} at BMC ${bmc.address} is longer than ${MAX_PASSWORD_BYTES} bytes, the IPMI v2.0 limit`,
    );
  }
  const requestTimeoutMs = Math.max(1, bmc.requestTimeoutMs);
  // An operation is several requests; without its own setting it gets four requests' worth.
  const timeoutMs = Math.max(requestTimeoutMs, bmc.operationTimeoutMs ?? 4 * requestTimeoutMs);
  const kg = parseKg(bmc.kg, bmc.address);
  return {
    host,
    port,
    target: bmc.address,
    username,
    password,
    suites: selectCipherSuites(bmc.cipherSuites),
    privilege: privilegeLevel(bmc.privilege ?? 'administrator'),
    // A few attempts fit in the budget; 1 s each at most, as ipmitool does.
    attemptTimeoutMs: Math.min(
      MAX_ATTEMPT_TIMEOUT_MS,
      Math.max(MIN_ATTEMPT_TIMEOUT_MS, Math.floor(requestTimeoutMs / 4)),
    ),
    requestTimeoutMs,
    timeoutMs,
    ...(kg ? { kg } : {}),
  };
}
