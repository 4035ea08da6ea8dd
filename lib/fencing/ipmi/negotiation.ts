/**
 * What we learnt about each BMC's cipher suites, kept for the process's lifetime (a Lambda
 * container, a CLI run): its Get Channel Cipher Suites list and the suite a session was last
 * established with. A fence opens several sessions to one BMC; asking again, or proposing a
 * suite the BMC does not have, would cost a round trip each time.
 */
import { UnsupportedCipherSuiteError } from '../errors.js';
import {
  supportedAllowedSuites,
  type CipherSuite,
  type CipherSuiteId,
  type CipherSuiteRecord,
} from './cipher-suites.js';

export interface SuiteKnowledge {
  /** The BMC's list; null when it did not give one (no answer, an error code, only OEM suites). */
  listed?: CipherSuiteRecord[] | null;
  /** The suite of the last session established with this BMC. */
  established?: CipherSuiteId;
}

const known = new Map<string, SuiteKnowledge>();

/** Keyed by the address we send to, so two BMCs behind one name are not confused. */
export function suiteKnowledge(host: string, port: number): SuiteKnowledge {
  const key = `${host}|${port}`;
  let k = known.get(key);
  if (!k) {
    k = {};
    known.set(key, k);
  }
  return k;
}

/** For tests: start from nothing known. */
export function forgetCipherSuites(): void {
  known.clear();
}

/**
 * The suites to propose, in order: the first allowed suite the BMC lists (when it gave a
 * list), the one that worked last time first. Never a suite outside `allowed` (S8).
 */
export function proposalOrder(allowed: readonly CipherSuite[], k: SuiteKnowledge, target: string): CipherSuite[] {
  let order = [...allowed];
  if (k.listed && k.listed.length > 0) {
    order = supportedAllowedSuites(allowed, k.listed);
    if (order.length === 0) {
      throw new UnsupportedCipherSuiteError(
        `BMC ${target} supports cipher suites ${k.listed.map((r) => r.id).join(', ')}, none of the allowed ones (${allowed.map((s) => s.id).join(', ')})`,
        { hint: 'enable cipher suite 17 or 3 on the BMC (suites without authentication and integrity are never used)' },
      );
    }
  }
  const i = order.findIndex((s) => s.id === k.established);
  if (i > 0) order = [order[i]!, ...order.slice(0, i), ...order.slice(i + 1)];
  return order;
}
