/**
 * Payloads of the RMCP+ session set-up: Open Session Request/Response and RAKP 1–4
 * (spec 13.17–13.23). Byte layouts only; the HMACs come from crypto.ts.
 * Decoders return undefined for anything malformed so the caller can ignore it.
 */
import { assertSafeSuite, type CipherSuite } from './cipher-suites.js';

/** RAKP status codes (spec Table 13-15) worded for an operator. */
export const RakpStatus = Object.freeze({
  ok: 0x00,
  insufficientResources: 0x01,
  invalidSessionId: 0x02,
  invalidPayloadType: 0x03,
  invalidAuthAlgorithm: 0x04,
  invalidIntegrityAlgorithm: 0x05,
  noMatchingAuthPayload: 0x06,
  noMatchingIntegrityPayload: 0x07,
  inactiveSessionId: 0x08,
  invalidRole: 0x09,
  unauthorizedRole: 0x0a,
  insufficientResourcesForRole: 0x0b,
  invalidNameLength: 0x0c,
  unauthorizedName: 0x0d,
  unauthorizedGuid: 0x0e,
  invalidIntegrityCheckValue: 0x0f,
  invalidConfidentialityAlgorithm: 0x10,
  noCipherSuiteMatch: 0x11,
  illegalParameter: 0x12,
});

export function describeRakpStatus(status: number): string {
  const text: Record<number, string> = {
    0x01: 'insufficient resources to create a session',
    0x02: 'invalid session ID',
    0x03: 'invalid payload type',
    0x04: 'invalid authentication algorithm',
    0x05: 'invalid integrity algorithm',
    0x06: 'no matching authentication payload',
    0x07: 'no matching integrity payload',
    0x08: 'inactive session ID',
    0x09: 'invalid role',
    0x0a: 'unauthorized role or privilege level requested',
    0x0b: 'insufficient resources to create a session at the requested role',
    0x0c: 'invalid name length',
    0x0d: 'unauthorized name',
    0x0e: 'unauthorized GUID',
    0x0f: 'invalid integrity check value',
    0x10: 'invalid confidentiality algorithm',
    0x11: 'no cipher suite match with proposed security algorithms',
    0x12: 'illegal or unrecognized parameter',
  };
  const hex = `0x${status.toString(16).padStart(2, '0').toUpperCase()}`;
  const what = text[status];
  return what ? `${hex} (${what})` : hex;
}

/** Statuses by which a BMC says "not this suite": the cue to fall back to the next one. */
export function isSuiteRefusal(status: number): boolean {
  return (
    status === RakpStatus.invalidAuthAlgorithm ||
    status === RakpStatus.invalidIntegrityAlgorithm ||
    status === RakpStatus.noMatchingAuthPayload ||
    status === RakpStatus.noMatchingIntegrityPayload ||
    status === RakpStatus.invalidConfidentialityAlgorithm ||
    status === RakpStatus.noCipherSuiteMatch
  );
}

export interface OpenSessionRequest {
  tag: number;
  /** Our session ID (SIDm), non-zero. */
  sidm: number;
  suite: CipherSuite;
  /** 0 = "highest the suite allows", what ipmitool sends. */
  maxPrivilege?: number;
}

export function encodeOpenSessionRequest(req: OpenSessionRequest): Buffer {
  // S8: the only place an algorithm proposal is written, so the only check that matters.
  assertSafeSuite(req.suite);
  if (req.sidm >>> 0 === 0) throw new RangeError('console session ID must be non-zero');
  const b = Buffer.alloc(32);
  b[0] = req.tag & 0xff;
  b[1] = (req.maxPrivilege ?? 0) & 0x0f;
  b.writeUInt32LE(req.sidm >>> 0, 4);
  const algorithms: Array<[number, number]> = [
    [0x00, req.suite.auth],
    [0x01, req.suite.integrity],
    [0x02, req.suite.confidentiality],
  ];
  algorithms.forEach(([type, alg], i) => {
    const off = 8 + i * 8;
    b[off] = type;
    b[off + 3] = 0x08;
    b[off + 4] = alg;
  });
  return b;
}

export interface OpenSessionResponse {
  tag: number;
  status: number;
  sidm: number;
  /** Present when status is 0. */
  sidc?: number;
  auth?: number;
  integrity?: number;
  confidentiality?: number;
}

function algorithmRecord(b: Buffer, off: number, type: number): number | undefined {
  if (b[off] !== type || b[off + 3] !== 0x08) return undefined;
  return b[off + 4];
}

/**
 * An error reply may stop after tag and status (ipmi_sim sends exactly 2 bytes), so the
 * session ID is optional there; a success must be complete.
 */
function statusHeader(payload: Buffer): { tag: number; status: number; sidm: number } | undefined {
  if (payload.length < 2) return undefined;
  const status = payload.readUInt8(1);
  if (status === 0 && payload.length < 8) return undefined;
  return { tag: payload.readUInt8(0), status, sidm: payload.length >= 8 ? payload.readUInt32LE(4) : 0 };
}

export function decodeOpenSessionResponse(payload: Buffer): OpenSessionResponse | undefined {
  const head = statusHeader(payload);
  if (!head) return undefined;
  const { tag, status, sidm } = head;
  if (status !== 0) return head;
  if (payload.length < 36) return undefined;
  const auth = algorithmRecord(payload, 12, 0x00);
  const integrity = algorithmRecord(payload, 20, 0x01);
  const confidentiality = algorithmRecord(payload, 28, 0x02);
  if (auth === undefined || integrity === undefined || confidentiality === undefined) return undefined;
  return { tag, status, sidm, sidc: payload.readUInt32LE(8), auth, integrity, confidentiality };
}

export interface Rakp1 {
  tag: number;
  sidc: number;
  rm: Uint8Array;
  role: number;
  username: Uint8Array;
}

export function encodeRakp1(m: Rakp1): Buffer {
  if (m.rm.length !== 16) throw new RangeError('Rm must be 16 bytes');
  if (m.username.length > 16) throw new RangeError('IPMI user names are at most 16 bytes');
  const b = Buffer.alloc(28 + m.username.length);
  b[0] = m.tag & 0xff;
  b.writeUInt32LE(m.sidc >>> 0, 4);
  b.set(m.rm, 8);
  b[24] = m.role & 0xff;
  b[27] = m.username.length;
  b.set(m.username, 28);
  return b;
}

export interface Rakp2 {
  tag: number;
  status: number;
  sidm: number;
  rc?: Buffer;
  guid?: Buffer;
  authCode?: Buffer;
}

export function decodeRakp2(payload: Buffer, suite: CipherSuite): Rakp2 | undefined {
  const head = statusHeader(payload);
  if (!head) return undefined;
  const { tag, status, sidm } = head;
  if (status !== 0) return head;
  if (payload.length !== 40 + suite.rakpCodeLength) return undefined;
  return {
    tag,
    status,
    sidm,
    rc: Buffer.from(payload.subarray(8, 24)),
    guid: Buffer.from(payload.subarray(24, 40)),
    authCode: Buffer.from(payload.subarray(40)),
  };
}

export interface Rakp3 {
  tag: number;
  status: number;
  sidc: number;
  authCode: Uint8Array;
}

export function encodeRakp3(m: Rakp3): Buffer {
  const b = Buffer.alloc(8 + m.authCode.length);
  b[0] = m.tag & 0xff;
  b[1] = m.status & 0xff;
  b.writeUInt32LE(m.sidc >>> 0, 4);
  b.set(m.authCode, 8);
  return b;
}

export interface Rakp4 {
  tag: number;
  status: number;
  sidm: number;
  icv?: Buffer;
}

export function decodeRakp4(payload: Buffer, suite: CipherSuite): Rakp4 | undefined {
  const head = statusHeader(payload);
  if (!head) return undefined;
  const { tag, status, sidm } = head;
  if (status !== 0) return head;
  if (payload.length !== 8 + suite.icvLength) return undefined;
  return { tag, status, sidm, icv: Buffer.from(payload.subarray(8)) };
}
