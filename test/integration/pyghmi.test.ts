/**
 * Our IPMI driver against pyghmi's BMC (python3-pyghmi, what VirtualBMC runs in front of
 * libvirt domains), with the DEFAULT cipher-suite configuration. pyghmi lists only suite 3 and
 * answers every Open Session with suite 3's algorithms, whatever was proposed.
 *
 * Needs the Debian package python3-pyghmi: skipped locally without it, a failure in CI (CI=true).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fenceOff, powerOn } from '../../lib/fencing/index.js';
import type { ResolvedIpmiBmc } from '../../lib/fencing/fencer.js';
import { createIpmiFencer, forgetCipherSuites } from '../../lib/fencing/ipmi/index.js';
import { suiteKnowledge } from '../../lib/fencing/ipmi/negotiation.js';
import { hasPyghmi, startPyghmiBmc, type PyghmiBmc } from '../support/pyghmi-bmc.js';

const available = hasPyghmi();
if (!available && process.env.CI)
  throw new Error('CI must install the Debian package python3-pyghmi for the pyghmi integration test');
if (!available) console.warn('python3-pyghmi not installed: skipping (apt-get install python3-pyghmi)');
const withPyghmi = available ? describe : describe.skip;

withPyghmi('ipmi driver against a pyghmi BMC (VirtualBMC)', () => {
  let bmc: PyghmiBmc;
  beforeAll(async () => {
    bmc = await startPyghmiBmc();
  }, 15_000);
  afterAll(async () => {
    await bmc?.stop();
  });

  // Exactly what the registry builds from a config entry that sets no cipherSuites.
  const config = (): ResolvedIpmiBmc => ({
    driver: 'ipmi',
    host: 'vm-1',
    address: bmc.address,
    username: bmc.username,
    password: bmc.password,
    privilege: 'administrator',
    requestTimeoutMs: 5000,
    operationTimeoutMs: 20000,
  });

  it('status, off, confirm, on with the default cipher suites [17, 3]', async () => {
    forgetCipherSuites();
    const timing = { powerTimeoutMs: 10_000, pollIntervalMs: 500 };
    const sent: Buffer[] = [];
    const make = () => createIpmiFencer(config(), { observer: { sent: (d) => sent.push(Buffer.from(d)) } });

    expect(await make().getPower()).toBe('on');
    const off = await fenceOff(make(), timing);
    expect(off).toMatchObject({ fenced: true, alreadyOff: false, method: 'ipmi' });
    expect(bmc.power()).toBe('off');
    expect(await make().getPower()).toBe('off');
    expect(await fenceOff(make(), timing)).toMatchObject({ fenced: true, alreadyOff: true });
    await powerOn(make(), timing);
    expect(bmc.power()).toBe('on');
    expect(await make().getPower()).toBe('on');

    // Negotiated from pyghmi's own list: every Open Session proposed suite 3, none 17 or weaker.
    const proposals = sent
      .filter((d) => d[4] === 0x06 && ((d[5] ?? 0) & 0x3f) === 0x10)
      .map((d) => `${d[16 + 12]}/${d[16 + 20]}/${d[16 + 28]}`);
    expect(proposals.length).toBeGreaterThanOrEqual(6);
    expect(new Set(proposals)).toEqual(new Set(['1/1/1']));
  }, 40_000);

  it('without the cipher suite list, suite 17 is proposed once and the suite-3 answer accepted', async () => {
    // As if Get Channel Cipher Suites had been lost: the configured order, then what worked.
    forgetCipherSuites();
    const sent: Buffer[] = [];
    const fencer = createIpmiFencer(config(), { observer: { sent: (d) => sent.push(Buffer.from(d)) } });
    // Drop our knowledge of the list only; answer acceptance is what is under test.
    suiteKnowledge('127.0.0.1', bmc.port).listed = null;
    expect(await fencer.getPower()).toBe('on');
    expect(await fencer.getPower()).toBe('on');
    const proposals = sent
      .filter((d) => d[4] === 0x06 && ((d[5] ?? 0) & 0x3f) === 0x10)
      .map((d) => `${d[16 + 12]}/${d[16 + 20]}/${d[16 + 28]}`);
    expect(proposals).toEqual(['3/4/1', '1/1/1']);
  }, 20_000);

  it('a wrong password is an authentication error, never a power state', async () => {
    forgetCipherSuites();
    const err = await createIpmiFencer({ ...config(), password: 'not-the-password', requestTimeoutMs: 1500 })
      .getPower()
      .catch((e: unknown) => e as Error);
    // pyghmi answers RAKP 2 with the HMAC of the right password: our check catches it.
    expect((err as Error).name).toBe('BmcAuthError');
    expect((err as Error).message).not.toContain('not-the-password');
  }, 20_000);
});
