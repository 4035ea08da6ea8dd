/**
 * Cipher-suite negotiation as pure functions: parsing the BMC's Get Channel Cipher Suites
 * records (the bytes ipmi_sim and pyghmi really send), choosing what to propose, and S8 there.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { UnsupportedCipherSuiteError } from '../../../lib/fencing/errors.js';
import {
  cipherSuite,
  parseCipherSuiteRecords,
  selectCipherSuites,
  suiteForAlgorithms,
  supportedAllowedSuites,
} from '../../../lib/fencing/ipmi/cipher-suites.js';
import { proposalOrder } from '../../../lib/fencing/ipmi/negotiation.js';

const h = (hex: string) => Buffer.from(hex.replace(/\s+/g, ''), 'hex');
const ids = (suites: { id: number }[]) => suites.map((s) => s.id);
const allowed = selectCipherSuites();

describe('Get Channel Cipher Suites records', () => {
  it("reads pyghmi's answer (suite 3 only)", () => {
    expect(parseCipherSuiteRecords(h('c0 03 01 41 81'))).toEqual([
      { id: 3, auth: 1, integrity: 1, confidentiality: 1 },
    ]);
  });

  it("reads ipmi_sim's list, unsafe suites included, and keeps only 3 of ours", () => {
    // First 16-byte chunk as ipmi_sim 2.0.33 sends it, then the rest of its list.
    const records = parseCipherSuiteRecords(
      h('c0 00 00 40 80 c0 01 01 40 80 c0 02 01 41 80 c0 03 01 41 81 c0 04 01 41 82 c0 06 02 40 80'),
    );
    expect(ids(records)).toEqual([0, 1, 2, 3, 4, 6]);
    expect(records[0]).toEqual({ id: 0, auth: 0, integrity: 0, confidentiality: 0 });
    expect(ids(supportedAllowedSuites(allowed, records))).toEqual([3]);
  });

  it('skips OEM (C1) records and stops at garbage without throwing', () => {
    expect(ids(parseCipherSuiteRecords(h('c1 11 00 00 00 03 44 81 c0 11 03 44 81')))).toEqual([17]);
    expect(parseCipherSuiteRecords(h('ff ff'))).toEqual([]);
    expect(parseCipherSuiteRecords(h('c0'))).toEqual([]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        for (const r of parseCipherSuiteRecords(bytes)) expect(r.id).toBeLessThanOrEqual(0xff);
      }),
      { numRuns: 2000 },
    );
  });

  it('a listed id counts only with its standard algorithms', () => {
    // "Suite 17" with SHA-1 integrity is not suite 17.
    expect(ids(supportedAllowedSuites(allowed, [{ id: 17, auth: 3, integrity: 1, confidentiality: 1 }]))).toEqual([]);
    expect(ids(supportedAllowedSuites(allowed, [{ id: 17, auth: 3, integrity: 4, confidentiality: 1 }]))).toEqual([17]);
  });
});

describe('what to propose', () => {
  it('the first allowed suite the BMC lists, in our order; the configured order without a list', () => {
    const both = [
      { id: 3, auth: 1, integrity: 1, confidentiality: 1 },
      { id: 17, auth: 3, integrity: 4, confidentiality: 1 },
    ];
    expect(ids(proposalOrder(allowed, { listed: both }, 'b'))).toEqual([17, 3]);
    expect(ids(proposalOrder(selectCipherSuites([3, 17]), { listed: both }, 'b'))).toEqual([3, 17]);
    expect(ids(proposalOrder(allowed, { listed: null }, 'b'))).toEqual([17, 3]);
    expect(ids(proposalOrder(allowed, {}, 'b'))).toEqual([17, 3]);
  });

  it('the suite that worked last time first: no round trip spent on 17 with a suite-3 BMC', () => {
    expect(ids(proposalOrder(allowed, { listed: null, established: 3 }, 'b'))).toEqual([3, 17]);
    // Never a suite the configuration does not allow, whatever was established before.
    expect(ids(proposalOrder(selectCipherSuites([17]), { established: 3 }, 'b'))).toEqual([17]);
  });

  it('S8: a BMC listing only suites without authentication or integrity gets no proposal at all', () => {
    const unsafe = parseCipherSuiteRecords(h('c0 00 00 40 80 c0 01 01 40 80 c0 02 01 41 80'));
    expect(() => proposalOrder(allowed, { listed: unsafe }, 'bmc-1')).toThrow(UnsupportedCipherSuiteError);
    expect(() => proposalOrder(allowed, { listed: unsafe }, 'bmc-1')).toThrow(/supports cipher suites 0, 1, 2/);
  });

  it('S8: an Open Session answer is taken only as an allowed suite, never one without auth or integrity', () => {
    expect(suiteForAlgorithms(allowed, { auth: 1, integrity: 1, confidentiality: 1 })?.id).toBe(3);
    expect(suiteForAlgorithms([cipherSuite(17)], { auth: 1, integrity: 1, confidentiality: 1 })).toBeUndefined();
    fc.assert(
      fc.property(fc.nat(5), fc.nat(5), fc.nat(3), (auth, integrity, confidentiality) => {
        const s = suiteForAlgorithms(allowed, { auth, integrity, confidentiality });
        if (auth === 0 || integrity === 0) expect(s).toBeUndefined();
        if (s) expect([3, 17]).toContain(s.id);
      }),
    );
  });
});
