import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Seed ids are derived from a label so that every run (and every test) sees the same ids;
 * ids minted at runtime (tokens, request ids, new migrations) are random, as in a real cloud.
 */
function digest(label: string): Buffer {
  return createHash('sha256').update(`freezer-dr-sim:${label}`).digest();
}

/** A version-4-shaped UUID (Nova instance and service ids). */
export function uuidFrom(label: string): string {
  const b = digest(label);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** 32 hex digits, no dashes: Keystone's id format. */
export function hexIdFrom(label: string): string {
  return digest(label).subarray(0, 16).toString('hex');
}

export function newUuid(): string {
  return randomUUID();
}

/** OpenStack's request id format. */
export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

/** Shaped like a Fernet token (base64url, ~180 chars) so clients never assume a short id. */
export function newTokenId(): string {
  return `gAAAAAB${randomBytes(132).toString('base64url')}`;
}

export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
