/**
 * RMCP+ key exchange and per-packet protection (spec 13.28–13.33), node:crypto only.
 * Nothing here logs or formats key material: keys live in Buffers that the session wipes.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CipherSuite } from './cipher-suites.js';

/** IPMI v2.0 passwords are at most 20 bytes; Kuid is the password zero-padded to 20. */
export const MAX_PASSWORD_BYTES = 20;
export const MAX_USERNAME_BYTES = 16;

/** ipmitool, ipmi_sim and real BMCs use 20-byte constants even with SHA-256 (PROTOCOL.md §6). */
const CONST_1 = Buffer.alloc(20, 0x01);
const CONST_2 = Buffer.alloc(20, 0x02);

export function hmac(suite: CipherSuite, key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac(suite.hash, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Kuid: zero padding does not change an HMAC key, but it keeps the length rule visible. */
export function userKey(password: string): Buffer {
  const raw = Buffer.from(password, 'utf8');
  if (raw.length > MAX_PASSWORD_BYTES)
    throw new RangeError(`IPMI v2.0 passwords are at most ${MAX_PASSWORD_BYTES} bytes`);
  const kuid = Buffer.alloc(MAX_PASSWORD_BYTES);
  raw.copy(kuid);
  raw.fill(0);
  return kuid;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

function nameField(username: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([username.length]), username]);
}

export interface RakpContext {
  /** Console session ID (ours). */
  sidm: number;
  /** Managed system session ID (the BMC's). */
  sidc: number;
  /** Console random number. */
  rm: Uint8Array;
  /** BMC random number. */
  rc: Uint8Array;
  /** BMC GUID, exactly as received. */
  guid: Uint8Array;
  /** ROLEm exactly as sent in RAKP 1, name-only-lookup bit included. */
  role: number;
  username: Uint8Array;
}

/** RAKP 2 key exchange auth code: proves the BMC knows the password (not truncated). */
export function rakp2AuthCode(suite: CipherSuite, kuid: Uint8Array, c: RakpContext): Buffer {
  return hmac(suite, kuid, u32(c.sidm), u32(c.sidc), c.rm, c.rc, c.guid, Buffer.from([c.role]), nameField(c.username));
}

/** RAKP 3 auth code: proves to the BMC that we know the password (not truncated). */
export function rakp3AuthCode(
  suite: CipherSuite,
  kuid: Uint8Array,
  c: Pick<RakpContext, 'rc' | 'sidm' | 'role' | 'username'>,
): Buffer {
  return hmac(suite, kuid, c.rc, u32(c.sidm), Buffer.from([c.role]), nameField(c.username));
}

/** SIK keyed with Kg when the BMC has one, otherwise with Kuid (spec 13.31). */
export function sessionIntegrityKey(
  suite: CipherSuite,
  key: Uint8Array,
  c: Pick<RakpContext, 'rm' | 'rc' | 'role' | 'username'>,
): Buffer {
  return hmac(suite, key, c.rm, c.rc, Buffer.from([c.role]), nameField(c.username));
}

export interface SessionKeys {
  sik: Buffer;
  /** Integrity key: all of K1 (spec 13.32; not SIK, whatever 13.28.4 says). */
  k1: Buffer;
  /** Full K2; AES-128 uses its first 16 bytes. */
  k2: Buffer;
}

export function deriveKeys(suite: CipherSuite, sik: Buffer): SessionKeys {
  return { sik, k1: hmac(suite, sik, CONST_1), k2: hmac(suite, sik, CONST_2) };
}

/** RAKP 4 integrity check value, truncated by the authentication algorithm's rule. */
export function rakp4Icv(suite: CipherSuite, sik: Uint8Array, c: Pick<RakpContext, 'rm' | 'sidc' | 'guid'>): Buffer {
  return hmac(suite, sik, c.rm, u32(c.sidc), c.guid).subarray(0, suite.icvLength);
}

/** Per-packet AuthCode over auth type … next header (HMAC-SHA1-96 / HMAC-SHA256-128). */
export function packetAuthCode(suite: CipherSuite, k1: Uint8Array, signed: Uint8Array): Buffer {
  return hmac(suite, k1, signed).subarray(0, suite.authCodeLength);
}

/** Length check first: timingSafeEqual throws on unequal lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/**
 * AES-CBC-128 with the IPMI confidentiality pad (1, 2, …, n, then n), not PKCS#7.
 * A fresh random IV per packet: never reuse one, never derive it from the sequence number.
 */
export function encryptPayload(k2: Uint8Array, plaintext: Uint8Array, iv: Uint8Array = randomBytes(16)): Buffer {
  const padLength = (16 - ((plaintext.length + 1) % 16)) % 16;
  const padded = Buffer.alloc(plaintext.length + padLength + 1);
  padded.set(plaintext, 0);
  for (let i = 1; i <= padLength; i++) padded[plaintext.length + i - 1] = i;
  padded[padded.length - 1] = padLength;
  const cipher = createCipheriv('aes-128-cbc', k2.subarray(0, 16), iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([Buffer.from(iv), cipher.update(padded), cipher.final()]);
}

/** Returns undefined for anything that is not a well-formed IV | ciphertext with a valid pad. */
export function decryptPayload(k2: Uint8Array, data: Uint8Array): Buffer | undefined {
  if (data.length < 32 || data.length % 16 !== 0) return undefined;
  const decipher = createDecipheriv('aes-128-cbc', k2.subarray(0, 16), data.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]);
  const padLength = plain[plain.length - 1] ?? 0xff;
  if (padLength > 15 || padLength + 1 > plain.length) return undefined;
  const start = plain.length - 1 - padLength;
  for (let i = 0; i < padLength; i++) if (plain[start + i] !== i + 1) return undefined;
  return Buffer.from(plain.subarray(0, start));
}

export function randomSessionId(): number {
  // Zero means "no session" on the wire, so it can never be ours.
  let id = 0;
  while (id === 0) id = randomBytes(4).readUInt32LE(0);
  return id;
}

export function randomNonce(): Buffer {
  return randomBytes(16);
}
