/**
 * Safety rule S8: a cipher suite without authentication or integrity (0, 1, 2, 6, …) is
 * never proposed. It cannot be configured, cannot be built, and whatever the configured
 * list or the BMC's answers, no Open Session Request on the wire proposes one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BmcProtocolError, UnsupportedCipherSuiteError } from '../../../lib/fencing/errors.js';
import {
  assertSafeSuite,
  cipherSuite,
  selectCipherSuites,
  type CipherSuite,
} from '../../../lib/fencing/ipmi/cipher-suites.js';
import { createIpmiFencer } from '../../../lib/fencing/ipmi/index.js';
import { forgetCipherSuites } from '../../../lib/fencing/ipmi/negotiation.js';
import { encodeOpenSessionRequest } from '../../../lib/fencing/ipmi/rakp.js';
import type { ResolvedIpmiBmc } from '../../../lib/fencing/fencer.js';
import { startFakeBmc, type FakeBmc } from '../../support/fake-ipmi-bmc.js';

/** The two proposals we may ever make: suite 3 and suite 17. */
const ALLOWED = new Set(['1/1/1', '3/4/1']);

/** Every Open Session Request in a list of raw datagrams, decoded independently of lib. */
function proposals(datagrams: Buffer[]): string[] {
  return datagrams
    .filter((d) => d.length >= 48 && d[4] === 0x06 && ((d[5] ?? 0) & 0x3f) === 0x10)
    .map((d) => `${d[16 + 12]}/${d[16 + 20]}/${d[16 + 28]}`);
}

describe('S8: configuration', () => {
  it('accepts only 3 and 17, in the configured order, defaulting to [17, 3]', () => {
    expect(selectCipherSuites().map((s) => s.id)).toEqual([17, 3]);
    expect(selectCipherSuites([3]).map((s) => s.id)).toEqual([3]);
    expect(selectCipherSuites([3, 17, 3]).map((s) => s.id)).toEqual([3, 17]);
    expect(() => selectCipherSuites([])).toThrow(UnsupportedCipherSuiteError);
    // S8: suite 0 (no authentication, no integrity) is refused by name, not merely unlikely in a fuzz run.
    expect(() => selectCipherSuites([0])).toThrow(UnsupportedCipherSuiteError);
    expect(() => selectCipherSuites([17, 0])).toThrow(UnsupportedCipherSuiteError);
  });

  it('refuses every other suite id, whatever its type', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -5, max: 300 }), fc.string(), fc.constant(null), fc.double())),
        (ids) => {
          let suites: CipherSuite[] | undefined;
          try {
            suites = selectCipherSuites(ids);
          } catch (e) {
            expect(e).toBeInstanceOf(UnsupportedCipherSuiteError);
            return;
          }
          for (const s of suites) {
            expect([3, 17]).toContain(s.id);
            expect(s.auth).not.toBe(0);
            expect(s.integrity).not.toBe(0);
            expect(s.confidentiality).not.toBe(0);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the suite table is frozen', () => {
    const s = cipherSuite(3) as { auth: number };
    expect(() => {
      s.auth = 0;
    }).toThrow(TypeError);
    expect(cipherSuite(3).auth).toBe(1);
  });
});

describe('S8: encoding', () => {
  it('refuses to encode a forged suite with no authentication, no integrity or an unknown id', () => {
    const forged = fc.record({
      id: fc.integer({ min: 0, max: 20 }),
      auth: fc.integer({ min: 0, max: 3 }),
      integrity: fc.integer({ min: 0, max: 4 }),
      confidentiality: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(forged, (f) => {
        const suite = { ...cipherSuite(3), ...f } as unknown as CipherSuite;
        const genuine =
          (f.id === 3 && f.auth === 1 && f.integrity === 1 && f.confidentiality === 1) ||
          (f.id === 17 && f.auth === 3 && f.integrity === 4 && f.confidentiality === 1);
        if (genuine) {
          expect(() => encodeOpenSessionRequest({ tag: 0, sidm: 1, suite })).not.toThrow();
        } else {
          expect(() => assertSafeSuite(suite)).toThrow(UnsupportedCipherSuiteError);
          expect(() => encodeOpenSessionRequest({ tag: 0, sidm: 1, suite })).toThrow(UnsupportedCipherSuiteError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('S8: on the wire', () => {
  let bmc: FakeBmc;
  beforeAll(async () => {
    bmc = await startFakeBmc();
  });
  afterAll(async () => {
    await bmc.close();
  });

  const config = (suites: unknown[]): ResolvedIpmiBmc =>
    ({
      driver: 'ipmi',
      address: bmc.address,
      username: 'admin',
      password: 'password',
      host: 'compute-1',
      requestTimeoutMs: 1000,
      privilege: 'administrator',
      cipherSuites: suites,
    }) as ResolvedIpmiBmc;

  it('whatever the configured list and whichever suites the BMC accepts, only suites 3 and 17 are proposed', async () => {
    let talked = 0;
    await fc.assert(
      fc.asyncProperty(
        // Mostly valid lists, so that most runs really talk to the BMC.
        fc.array(
          fc.oneof(
            { arbitrary: fc.constantFrom(3, 17), weight: 6 },
            { arbitrary: fc.integer({ min: 0, max: 20 }), weight: 1 },
          ),
          {
            maxLength: 4,
          },
        ),
        fc.subarray([0, 1, 2, 3, 6, 17]),
        async (configured, accepted) => {
          // The BMC lists what it accepts, unsafe suites included; start each run unknown.
          forgetCipherSuites();
          bmc.options.suites = accepted;
          const before = bmc.received.length;
          const seen: Buffer[] = [];
          let fencer;
          try {
            fencer = createIpmiFencer(config(configured), { observer: { sent: (d) => seen.push(d) } });
          } catch (e) {
            // Refused at configuration time: nothing may have been sent.
            expect(e).toBeInstanceOf(UnsupportedCipherSuiteError);
            expect(bmc.received.length).toBe(before);
            return;
          }
          await fencer.getPower().catch((e: unknown) => {
            expect(e).toBeInstanceOf(UnsupportedCipherSuiteError);
          });
          const onWire = proposals(bmc.received.slice(before));
          if (onWire.length > 0) talked++;
          expect(onWire).toEqual(proposals(seen));
          for (const p of onWire) expect(ALLOWED.has(p)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
    expect(talked).toBeGreaterThan(10);
  });

  it('a BMC that refuses 17 and 3 gets no weaker proposal: UnsupportedCipherSuiteError instead', async () => {
    forgetCipherSuites();
    bmc.options.suites = [0, 1, 2];
    bmc.options.listSuites = 'silent';
    let before = bmc.received.length;
    await expect(createIpmiFencer(config([17, 3])).getPower()).rejects.toThrow(UnsupportedCipherSuiteError);
    expect(proposals(bmc.received.slice(before))).toEqual(['3/4/1', '1/1/1']);
    // The same BMC listing its suites (0, 1, 2): nothing is proposed at all.
    forgetCipherSuites();
    bmc.options.listSuites = undefined;
    before = bmc.received.length;
    await expect(createIpmiFencer(config([17, 3])).getPower()).rejects.toThrow(
      /supports cipher suites 0, 1, 2, none of the allowed ones/,
    );
    expect(proposals(bmc.received.slice(before))).toEqual([]);
  });

  it('an Open Session answer with the algorithms of a suite without authentication or integrity is never accepted', async () => {
    for (const unsafe of [0, 1, 2, 6, 15, 16]) {
      forgetCipherSuites();
      bmc.options.suites = [3, 17];
      bmc.options.answerWithSuite = unsafe;
      const before = bmc.received.length;
      const err = await createIpmiFencer(config([17, 3]))
        .getPower()
        .catch((e: unknown) => e);
      // Refused at Open Session: no RAKP 1 is ever sent on such a session.
      expect(err).toBeInstanceOf(BmcProtocolError);
      expect((err as Error).message).toMatch(/not an allowed suite: refused/);
      const rakp1 = bmc.received.slice(before).filter((d) => d[4] === 0x06 && ((d[5] ?? 0) & 0x3f) === 0x12);
      expect(rakp1).toHaveLength(0);
    }
    bmc.options.answerWithSuite = undefined;
  });

  it('a BMC answering with another allowed suite (pyghmi: always 3) is taken at that suite', async () => {
    forgetCipherSuites();
    bmc.options.suites = [3, 17];
    bmc.options.listSuites = 'silent';
    bmc.options.answerWithSuite = 3;
    const before = bmc.openSessionRequests.length;
    expect(await createIpmiFencer(config([17, 3])).getPower()).toBe('on');
    expect(bmc.openSessionRequests.slice(before).map((p) => p.auth)).toEqual([3]);
    // Once known, the next session proposes suite 3 first: no round trip spent on 17.
    expect(await createIpmiFencer(config([17, 3])).getPower()).toBe('on');
    expect(bmc.openSessionRequests.slice(before).map((p) => p.auth)).toEqual([3, 1]);
    // With only 17 allowed, the suite-3 answer is a downgrade and refused.
    forgetCipherSuites();
    await expect(createIpmiFencer(config([17])).getPower()).rejects.toThrow(BmcProtocolError);
    bmc.options.answerWithSuite = undefined;
    bmc.options.listSuites = undefined;
  });
});
