/**
 * Datagram framing: the RMCP header, the IPMI v1.5 session header (only for the
 * pre-session Get Channel Authentication Capabilities) and the RMCP+ session header and
 * integrity trailer (spec Table 13-8). No cryptography here: the caller passes in the
 * function that computes the AuthCode, so this file stays a pure byte layout.
 */

/** RMCP v1.0, no RMCP ACK wanted (sequence FF), class IPMI. */
export const RMCP_HEADER: readonly number[] = Object.freeze([0x06, 0x00, 0xff, 0x07]);

export const AUTH_TYPE_NONE = 0x00;
export const AUTH_TYPE_RMCP_PLUS = 0x06;
const NEXT_HEADER = 0x07;

export const PayloadType = Object.freeze({
  ipmi: 0x00,
  openSessionRequest: 0x10,
  openSessionResponse: 0x11,
  rakp1: 0x12,
  rakp2: 0x13,
  rakp3: 0x14,
  rakp4: 0x15,
});

const ENCRYPTED = 0x80;
const AUTHENTICATED = 0x40;

function hasRmcpHeader(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x06 && buf[2] === 0xff && buf[3] === 0x07;
}

/** Which session header follows the RMCP header, so a reply is parsed by its own format. */
export function sessionFormat(buf: Uint8Array): 'v1.5' | 'v2.0' | undefined {
  if (!hasRmcpHeader(buf) || buf.length < 5) return undefined;
  if (buf[4] === AUTH_TYPE_RMCP_PLUS) return 'v2.0';
  if (buf[4] === AUTH_TYPE_NONE) return 'v1.5';
  return undefined;
}

/** An IPMI v1.5 packet outside any session: auth type none, sequence 0, session ID 0. */
export function encodeV15(message: Uint8Array): Buffer {
  const buf = Buffer.alloc(14 + message.length);
  buf.set(RMCP_HEADER, 0);
  buf[4] = AUTH_TYPE_NONE;
  buf[13] = message.length;
  buf.set(message, 14);
  return buf;
}

export interface V15Packet {
  sequence: number;
  sessionId: number;
  message: Buffer;
}

/** Only auth type none is accepted: we never run v1.5 sessions, so anything else is noise. */
export function decodeV15(buf: Uint8Array): V15Packet | undefined {
  if (sessionFormat(buf) !== 'v1.5' || buf.length < 14) return undefined;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const length = b.readUInt8(13);
  if (b.length !== 14 + length) return undefined;
  return { sequence: b.readUInt32LE(5), sessionId: b.readUInt32LE(9), message: Buffer.from(b.subarray(14)) };
}

export interface RmcpPlusFields {
  payloadType: number;
  encrypted: boolean;
  authenticated: boolean;
  sessionId: number;
  sequence: number;
  /** Plaintext payload, or IV | ciphertext when encrypted. */
  payload: Uint8Array;
}

export interface RmcpPlusPacket extends RmcpPlusFields {
  payload: Buffer;
  /** Bytes the AuthCode covers (auth type through next header); empty when unauthenticated. */
  signed: Buffer;
  authCode: Buffer;
}

/** Integrity pad length so that auth type … next header is a multiple of 4 (spec 13.28.4). */
export function integrityPadLength(payloadLength: number): number {
  return (4 - ((12 + payloadLength + 2) % 4)) % 4;
}

/**
 * `sign` receives auth type … next header and returns the (already truncated) AuthCode.
 * It is required exactly when the packet is authenticated.
 */
export function encodeRmcpPlus(fields: RmcpPlusFields, sign?: (signed: Buffer) => Buffer): Buffer {
  if (fields.authenticated !== (sign !== undefined)) {
    throw new TypeError('an authenticated RMCP+ packet needs a signer, an unauthenticated one must not have one');
  }
  const { payload } = fields;
  const head = Buffer.alloc(16);
  head.set(RMCP_HEADER, 0);
  head[4] = AUTH_TYPE_RMCP_PLUS;
  head[5] =
    (fields.payloadType & 0x3f) | (fields.encrypted ? ENCRYPTED : 0) | (fields.authenticated ? AUTHENTICATED : 0);
  head.writeUInt32LE(fields.sessionId >>> 0, 6);
  head.writeUInt32LE(fields.sequence >>> 0, 10);
  head.writeUInt16LE(payload.length, 14);
  if (!sign) return Buffer.concat([head, payload]);
  const pad = integrityPadLength(payload.length);
  const trailer = Buffer.alloc(pad + 2, 0xff);
  trailer[pad] = pad;
  trailer[pad + 1] = NEXT_HEADER;
  const unsigned = Buffer.concat([head, payload, trailer]);
  return Buffer.concat([unsigned, sign(unsigned.subarray(4))]);
}

/**
 * Splits an RMCP+ datagram. `authCodeLength` is the AuthCode size of the session's
 * integrity algorithm; an authenticated packet with any other layout is rejected.
 * OEM payloads (type 2) carry 6 more header bytes and are never ours, so they are rejected.
 */
export function decodeRmcpPlus(buf: Uint8Array, authCodeLength = 0): RmcpPlusPacket | undefined {
  if (sessionFormat(buf) !== 'v2.0' || buf.length < 16) return undefined;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const typeByte = b.readUInt8(5);
  const payloadType = typeByte & 0x3f;
  if (payloadType === 0x02) return undefined;
  const encrypted = (typeByte & ENCRYPTED) !== 0;
  const authenticated = (typeByte & AUTHENTICATED) !== 0;
  const length = b.readUInt16LE(14);
  const payloadEnd = 16 + length;
  if (payloadEnd > b.length) return undefined;
  const base = {
    payloadType,
    encrypted,
    authenticated,
    sessionId: b.readUInt32LE(6),
    sequence: b.readUInt32LE(10),
    payload: Buffer.from(b.subarray(16, payloadEnd)),
  };
  if (!authenticated) {
    if (payloadEnd !== b.length) return undefined;
    return { ...base, signed: Buffer.alloc(0), authCode: Buffer.alloc(0) };
  }
  if (authCodeLength <= 0) return undefined;
  // The pad length is read from the datagram rather than recomputed: a BMC that pads
  // differently is still fine as long as its AuthCode verifies.
  const pad = b.length - payloadEnd - 2 - authCodeLength;
  if (pad < 0 || pad > 3) return undefined;
  for (let i = payloadEnd; i < payloadEnd + pad; i++) if (b[i] !== 0xff) return undefined;
  if (b[payloadEnd + pad] !== pad || b[payloadEnd + pad + 1] !== NEXT_HEADER) return undefined;
  const signedEnd = payloadEnd + pad + 2;
  return { ...base, signed: Buffer.from(b.subarray(4, signedEnd)), authCode: Buffer.from(b.subarray(signedEnd)) };
}
