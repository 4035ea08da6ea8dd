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
