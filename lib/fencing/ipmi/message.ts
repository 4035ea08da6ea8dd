/**
 * IPMI LAN message framing (spec 13.8): addresses, NetFn/LUN, sequence, command, data and
 * the two two's-complement checksums. Decoders return undefined instead of throwing: a
 * datagram that does not parse is ignored by the caller, never allowed to crash it.
 */

/** BMC responder address. */
export const BMC_ADDRESS = 0x20;
/** Remote console software ID 1, what ipmitool and every BMC expect from a LAN client. */
export const CONSOLE_ADDRESS = 0x81;

export interface IpmiRequest {
  netFn: number;
  cmd: number;
  /** 6-bit request sequence; the response echoes it so a late reply can be told apart. */
  rqSeq: number;
  data?: Uint8Array;
}

export interface IpmiResponse {
  netFn: number;
  cmd: number;
  rqSeq: number;
  completionCode: number;
  /** Response data after the completion code. */
  data: Buffer;
}

export function checksum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum = (sum + (bytes[i] ?? 0)) & 0xff;
  return (0x100 - sum) & 0xff;
}

export function encodeRequest(req: IpmiRequest): Buffer {
  const data = req.data ?? new Uint8Array(0);
  const buf = Buffer.alloc(7 + data.length);
  buf[0] = BMC_ADDRESS;
  buf[1] = (req.netFn & 0x3f) << 2;
  buf[2] = checksum(buf, 0, 2);
  buf[3] = CONSOLE_ADDRESS;
  buf[4] = (req.rqSeq & 0x3f) << 2;
  buf[5] = req.cmd & 0xff;
  buf.set(data, 6);
  buf[6 + data.length] = checksum(buf, 3, 6 + data.length);
  return buf;
}

/** Parses a response addressed to us; wrong addresses, LUNs or checksums mean "not ours". */
export function decodeResponse(buf: Uint8Array): IpmiResponse | undefined {
  if (buf.length < 8) return undefined;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b[0] !== CONSOLE_ADDRESS || b[3] !== BMC_ADDRESS) return undefined;
  if (checksum(b, 0, 2) !== b[2]) return undefined;
  if (checksum(b, 3, b.length - 1) !== b[b.length - 1]) return undefined;
  const netFnLun = b[1] ?? 0;
  const seqLun = b[4] ?? 0;
  if ((netFnLun & 0x03) !== 0 || (seqLun & 0x03) !== 0) return undefined;
  return {
    netFn: netFnLun >> 2,
    cmd: b[5] ?? 0,
    rqSeq: seqLun >> 2,
    completionCode: b[6] ?? 0,
    data: Buffer.from(b.subarray(7, b.length - 1)),
  };
}

/** Completion codes an operator may meet, worded for a log line (spec Table 5-2). */
export function describeCompletionCode(cc: number): string {
  const text: Record<number, string> = {
    0xc0: 'node busy',
    0xc1: 'invalid command',
    0xc3: 'timeout',
    0xc7: 'request data length invalid',
    0xc9: 'parameter out of range',
    0xcc: 'invalid data field in request',
    0xcd: 'command illegal for this sensor or record type',
    0xce: 'response could not be provided',
    0xd0: 'BMC initialization in progress',
    0xd1: 'BMC in firmware update mode',
    0xd4: 'insufficient privilege',
    0xd5: 'command not supported in present state',
    0xff: 'unspecified error',
  };
  const hex = `0x${cc.toString(16).padStart(2, '0').toUpperCase()}`;
  const what = text[cc];
  return what ? `${hex} (${what})` : hex;
}
