import { UnsupportedCipherSuiteError } from '../errors.js';

/**
 * The only cipher suites this driver can speak. Safety rule S8: a suite without
 * authentication and integrity (0, 1, 2, 6, …) lets anyone who can reach the BMC power
 * hosts off, so such a suite cannot be described by these types, is absent from the
 * table below, and `assertSafeSuite` rejects it again right before anything is encoded.
 */
export type CipherSuiteId = 3 | 17;

/** RAKP-HMAC-SHA1 = 1, RAKP-HMAC-SHA256 = 3 (spec Table 13-17). Zero (RAKP-none) is not a member. */
export type AuthAlgorithm = 0x01 | 0x03;
/** HMAC-SHA1-96 = 1, HMAC-SHA256-128 = 4 (spec Table 13-18). Zero (none) is not a member. */
export type IntegrityAlgorithm = 0x01 | 0x04;
/** AES-CBC-128 = 1 (spec Table 13-19). */
export type ConfidentialityAlgorithm = 0x01;

export interface CipherSuite {
  readonly id: CipherSuiteId;
  readonly auth: AuthAlgorithm;
  readonly integrity: IntegrityAlgorithm;
  readonly confidentiality: ConfidentialityAlgorithm;
  /** Hash of every HMAC in the suite (RAKP, SIK, K1/K2, per-packet integrity). */
  readonly hash: 'sha1' | 'sha256';
  /** RAKP 2 / RAKP 3 key-exchange auth codes are the full HMAC. */
  readonly rakpCodeLength: 20 | 32;
  /** RAKP 4's ICV length follows the authentication algorithm (12 for SHA1, 16 for SHA256). */
  readonly icvLength: 12 | 16;
  /** Per-packet AuthCode length: HMAC-SHA1-96 → 12, HMAC-SHA256-128 → 16. */
  readonly authCodeLength: 12 | 16;
}

const SUITES: Readonly<Record<CipherSuiteId, CipherSuite>> = Object.freeze({
  3: Object.freeze({
    id: 3,
    auth: 0x01,
    integrity: 0x01,
    confidentiality: 0x01,
    hash: 'sha1',
    rakpCodeLength: 20,
    icvLength: 12,
    authCodeLength: 12,
  }),
  17: Object.freeze({
    id: 17,
    auth: 0x03,
    integrity: 0x04,
    confidentiality: 0x01,
    hash: 'sha256',
    rakpCodeLength: 32,
    icvLength: 16,
    authCodeLength: 16,
  }),
});

/** Suite 17 (SHA-256) first; suite 3 for the many BMCs that still lack it. */
export const DEFAULT_CIPHER_SUITES: readonly CipherSuiteId[] = Object.freeze([17, 3]);

export function isSupportedSuiteId(id: unknown): id is CipherSuiteId {
  return id === 3 || id === 17;
}

export function cipherSuite(id: CipherSuiteId): CipherSuite {
  return SUITES[id];
}

/**
 * Turns a configured list into the suites to try, in order. Anything but 3 and 17 is an
 * error rather than silently dropped: an operator who asks for suite 0 must learn that we
 * refuse it, not find out during an incident.
 */
export function selectCipherSuites(ids?: readonly unknown[]): CipherSuite[] {
  const wanted = ids ?? DEFAULT_CIPHER_SUITES;
  const out: CipherSuite[] = [];
  for (const id of wanted) {
    if (!isSupportedSuiteId(id)) {
      throw new UnsupportedCipherSuiteError(
        `IPMI cipher suite ${String(id)} is not allowed: only suites 3 and 17 (authenticated, integrity-protected, encrypted) are`,
        { hint: 'set cipherSuites to [17, 3], [17] or [3]' },
      );
    }
    if (!out.some((s) => s.id === id)) out.push(SUITES[id]);
  }
  if (out.length === 0) {
    throw new UnsupportedCipherSuiteError('no IPMI cipher suite configured', {
      hint: 'set cipherSuites to [17, 3], [17] or [3]',
    });
  }
  return out;
}

/**
 * Last line of defence for S8, run by the Open Session encoder: a value forged past the
 * types (a cast, a parsed JSON object) still cannot make us propose an unauthenticated
 * or unprotected session.
 */
export function assertSafeSuite(suite: CipherSuite): void {
  const known = isSupportedSuiteId(suite.id) ? SUITES[suite.id] : undefined;
  if (
    !known ||
    known.auth !== suite.auth ||
    known.integrity !== suite.integrity ||
    known.confidentiality !== suite.confidentiality ||
    (suite.auth as number) === 0 ||
    (suite.integrity as number) === 0
  ) {
    throw new UnsupportedCipherSuiteError(
      `refusing to propose IPMI cipher suite ${String(suite.id)}: it is not suite 3 or 17 (S8)`,
    );
  }
}

/**
 * The allowed suite whose algorithms these are, if any. A BMC may answer Open Session with
 * another suite than the one proposed (pyghmi, hence VirtualBMC, always answers with suite 3's):
 * that is acceptable only when the answer is itself one of the suites we allow. Anything
 * else, and in particular an answer without authentication or integrity, is never taken (S8).
 */
export function suiteForAlgorithms(
  allowed: readonly CipherSuite[],
  algorithms: { auth?: number; integrity?: number; confidentiality?: number },
): CipherSuite | undefined {
  if (!algorithms.auth || !algorithms.integrity) return undefined;
  return allowed.find(
    (s) =>
      s.auth === algorithms.auth &&
      s.integrity === algorithms.integrity &&
      s.confidentiality === algorithms.confidentiality,
  );
}

/** One entry of a Get Channel Cipher Suites list (spec 22.15, Table 22-18). */
export interface CipherSuiteRecord {
  id: number;
  auth?: number;
  integrity?: number;
  confidentiality?: number;
}

/**
 * Parses the concatenated cipher suite record data of Get Channel Cipher Suites (the
 * "list algorithms by cipher suite" form): `C0 id` (or `C1 id IANA×3` for OEM suites), then one
 * byte per algorithm tagged by its top two bits (00 auth, 01 integrity, 10 confidentiality).
 * Garbage ends the parse rather than throwing: the list is advice, never a reason to fail.
 */
export function parseCipherSuiteRecords(data: Uint8Array): CipherSuiteRecord[] {
  const out: CipherSuiteRecord[] = [];
  let i = 0;
  while (i < data.length) {
    const start = data[i];
    if (start !== 0xc0 && start !== 0xc1) break;
    const id = data[i + 1];
    if (id === undefined) break;
    i += start === 0xc0 ? 2 : 5;
    const rec: CipherSuiteRecord = { id };
    while (i < data.length && data[i] !== 0xc0 && data[i] !== 0xc1) {
      const b = data[i] ?? 0;
      const tag = b & 0xc0;
      const alg = b & 0x3f;
      if (tag === 0x00 && rec.auth === undefined) rec.auth = alg;
      else if (tag === 0x40 && rec.integrity === undefined) rec.integrity = alg;
      else if (tag === 0x80 && rec.confidentiality === undefined) rec.confidentiality = alg;
      i++;
    }
    // OEM suites (C1) are somebody's own algorithms: never ours, whatever their number.
    if (start === 0xc0) out.push(rec);
  }
  return out;
}

/**
 * The allowed suites the BMC lists, in our order of preference. A listed id counts only when
 * its algorithms are the standard ones for that id (a BMC that numbers its suites its own
 * way is not taken at its word).
 */
export function supportedAllowedSuites(
  allowed: readonly CipherSuite[],
  records: readonly CipherSuiteRecord[],
): CipherSuite[] {
  return allowed.filter((s) =>
    records.some(
      (r) =>
        r.id === s.id &&
        (r.auth === undefined || r.auth === s.auth) &&
        (r.integrity === undefined || r.integrity === s.integrity) &&
        (r.confidentiality === undefined || r.confidentiality === s.confidentiality),
    ),
  );
}
