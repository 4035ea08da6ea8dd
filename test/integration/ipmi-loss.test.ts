/**
 * A lost or late datagram never fails a fence that ipmitool would complete. Our IPMI driver,
 * with the default settings, through a UDP proxy in front of Debian's ipmi_sim that drops the
 * first RAKP 4, drops 10% of datagrams each way (fixed seed), or delays every reply by 0.8 s.
 * And the other side of the bargain: a silent BMC fails within the documented bound, and
 * credentials that stop working mid-fence stop the fence at once.
 *
 * Needs openipmi and ipmitool: skipped locally without them, a failure in CI (CI=true).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { BmcAuthError, BmcUnreachableError, fenceOff, powerOn, type Fencer } from '../../lib/fencing/index.js';
import type { ResolvedIpmiBmc } from '../../lib/fencing/fencer.js';
import { createIpmiFencer, forgetCipherSuites } from '../../lib/fencing/ipmi/index.js';
import { startFakeBmc } from '../support/fake-ipmi-bmc.js';
import { hasIpmiSim, hasIpmitool, startIpmiSim, stopAllIpmiSims, type IpmiSim } from '../support/ipmi-sim.js';
import { payloadType, seededRandom, startUdpProxy, type UdpProxy } from '../support/udp-proxy.js';

const available = hasIpmiSim() && hasIpmitool();
if (!available && process.env.CI)
  throw new Error('CI must install the Debian packages openipmi and ipmitool for the IPMI loss tests');
const withSim = available ? describe : describe.skip;

const RAKP4 = 0x15;
const OPEN_SESSION_REQUEST = 0x10;

/** The defaults of the config schema: requestTimeoutSeconds 5, operationTimeoutSeconds 20, suites [17, 3]. */
function defaults(address: string, over: Partial<ResolvedIpmiBmc> = {}): ResolvedIpmiBmc {
  return {
    driver: 'ipmi',
    host: 'compute-1',
    address,
    username: 'admin',
    password: 'password',
    privilege: 'administrator',
    requestTimeoutMs: 5000,
    operationTimeoutMs: 20000,
    ...over,
  };
}
/** The schema's defaults too: 30 s power timeout, 1 s poll interval. */
const timing = { powerTimeoutMs: 30_000, pollIntervalMs: 1000 };

function ipmitool(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'ipmitool',
      ['-I', 'lanplus', '-H', '127.0.0.1', '-p', String(port), '-U', 'admin', '-P', 'password', ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout.trim())),
    ),
  );
}

withSim('lost and late datagrams against ipmi_sim', () => {
  let sim: IpmiSim;
  let proxy: UdpProxy | undefined;
  beforeAll(async () => {
    sim = await startIpmiSim();
  }, 20_000);
  afterAll(async () => {
    await proxy?.close();
    await stopAllIpmiSims();
  });

  async function through(rule: Parameters<typeof startUdpProxy>[1]): Promise<UdpProxy> {
    await proxy?.close();
    proxy = await startUdpProxy(sim.port, rule);
    forgetCipherSuites();
    return proxy;
  }

  async function fenceAndRestore(make: () => Fencer): Promise<void> {
    const r = await fenceOff(make(), timing);
    expect(r.fenced).toBe(true);
    await sim.waitForPower('off', 2000);
    await powerOn(make(), timing);
    await sim.waitForPower('on', 5000);
  }

  it('the first RAKP 4 lost: the handshake restarts from Open Session and the fence completes (ipmitool too)', async () => {
    const dropFirstRakp4 = (): Parameters<typeof startUdpProxy>[1] => {
      let seen = 0;
      return (dir, d) => (dir === 'to-client' && payloadType(d) === RAKP4 && seen++ === 0 ? 'drop' : 'pass');
    };
    const p = await through(dropFirstRakp4());
    // ipmitool, the reference: it completes through the same loss.
    expect(await ipmitool(p.port, '-C', '3', 'chassis', 'power', 'status')).toBe('Chassis Power is on');
    expect(p.dropped['to-client']).toBe(1);

    const q = await through(dropFirstRakp4());
    const sent: Buffer[] = [];
    const make = () => createIpmiFencer(defaults(q.address), { observer: { sent: (d) => sent.push(Buffer.from(d)) } });
    await fenceAndRestore(make);
    expect(q.dropped['to-client']).toBe(1);
    // The session that lost its RAKP 4 opened again: one Open Session more than sessions held.
    expect(sent.filter((d) => payloadType(d) === OPEN_SESSION_REQUEST).length).toBeGreaterThan(2);
  }, 60_000);

  it('10% of datagrams lost each way (fixed seed): every fence completes', async () => {
    const random = seededRandom(0x5eed);
    const p = await through(() => 'pass');
    const make = () => createIpmiFencer(defaults(p.address));
    const lossy = () => (random() < 0.1 ? 'drop' : 'pass');
    for (let i = 0; i < 3; i++) {
      p.setRule(lossy);
      const r = await fenceOff(make(), timing);
      expect(r.fenced).toBe(true);
      await sim.waitForPower('off', 2000);
      // Back on over a clean link: the power-on is the test's scaffolding, not what is under test.
      p.setRule(() => 'pass');
      await powerOn(make(), timing);
      await sim.waitForPower('on', 5000);
    }
    // The loss really happened.
    expect(p.dropped['to-bmc'] + p.dropped['to-client']).toBeGreaterThan(3);
  }, 120_000);

  it('a slow BMC answering every datagram after 0.8 s fences with the default timeouts', async () => {
    const p = await through((dir) => (dir === 'to-client' ? { delayMs: 800 } : 'pass'));
    const r = await fenceOff(createIpmiFencer(defaults(p.address)), timing);
    expect(r.fenced).toBe(true);
    await sim.waitForPower('off', 2000);
    await p.close();
    proxy = undefined;
    await sim.powerOn();
  }, 90_000);
});

describe('bounds and stops (fake BMC)', () => {
  it('a silent BMC fails within requestTimeoutSeconds (the documented bound), with BmcUnreachableError', async () => {
    const bmc = await startFakeBmc({ silent: true });
    try {
      const started = performance.now();
      const err = await fenceOff(createIpmiFencer(defaults(bmc.address)), timing).catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(err).toBeInstanceOf(BmcUnreachableError);
      expect(elapsed).toBeLessThan(5000 + 1000);
      expect(elapsed).toBeGreaterThan(4000);
    } finally {
      await bmc.close();
    }
  }, 20_000);

  it('a password changed mid-fence: BmcAuthError at the next read, one failed login, no more', async () => {
    const users = [{ name: 'admin', password: 'password', privilege: 'administrator' as const }];
    // The BMC acknowledges power-off and stays on, so the fence keeps polling.
    const bmc = await startFakeBmc({ users, ignorePowerOff: true });
    try {
      let opens = 0;
      const fencer = createIpmiFencer(defaults(bmc.address), {
        observer: { sent: (d) => void (payloadType(d) === OPEN_SESSION_REQUEST && opens++) },
      });
      setTimeout(() => (users[0]!.password = 'rotated-elsewhere'), 500);
      const started = performance.now();
      const err = await fenceOff(fencer, timing).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(BmcAuthError);
      expect((err as Error).message).not.toContain('rotated-elsewhere');
      expect(performance.now() - started).toBeLessThan(3000);
      const before = opens;
      // Nothing is sent after the error.
      await new Promise((r) => setTimeout(r, 300));
      expect(opens).toBe(before);
    } finally {
      await bmc.close();
    }
  }, 20_000);
});
