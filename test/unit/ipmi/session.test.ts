/**
 * The driver end to end against the fake BMC on loopback: every error an operator can
 * meet, retransmission, anti-replay, garbage, abort, and the exact command sequence.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  BmcAuthError,
  BmcPrivilegeError,
  BmcProtocolError,
  BmcUnreachableError,
  PowerStateUnknownError,
  UnsupportedCipherSuiteError,
} from '../../../lib/fencing/errors.js';
import type { ResolvedIpmiBmc } from '../../../lib/fencing/fencer.js';
import { chassisControl } from '../../../lib/fencing/ipmi/chassis.js';
import { cipherSuite } from '../../../lib/fencing/ipmi/cipher-suites.js';
import {
  createIpmiFencer,
  ipmiChassisControl,
  ipmiChassisStatus,
  ipmiHardReset,
  ipmiPowerCycle,
  ipmiSoftShutdown,
} from '../../../lib/fencing/ipmi/index.js';
import { PrivilegeLevel } from '../../../lib/fencing/ipmi/privilege.js';
import { withSession } from '../../../lib/fencing/ipmi/session.js';
import { forgetCipherSuites } from '../../../lib/fencing/ipmi/negotiation.js';
import { startFakeBmc, type FakeBmc, type FakeBmcOptions } from '../../support/fake-ipmi-bmc.js';

const PASSWORD = 'S3cr3t-pw!';
// Every fake a test starts is closed after it: an open UDP socket would keep jest from exiting.
const started: FakeBmc[] = [];

async function fake(opts: FakeBmcOptions = {}): Promise<FakeBmc> {
  const bmc = await startFakeBmc({
    users: [
      { name: 'admin', password: PASSWORD, privilege: 'administrator' },
      { name: 'oper', password: PASSWORD, privilege: 'operator' },
      { name: 'viewer', password: PASSWORD, privilege: 'user' },
    ],
    ...opts,
  });
  started.push(bmc);
  return bmc;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((b) => b.close()));
});

function config(b: FakeBmc, over: Partial<ResolvedIpmiBmc> = {}): ResolvedIpmiBmc {
  return {
    driver: 'ipmi',
    address: b.address,
    username: 'admin',
    password: PASSWORD,
    host: 'compute-1',
    requestTimeoutMs: 1000,
    privilege: 'administrator',
    ...over,
  };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected a rejection');
  // S6: no secret, ever, in what an operator or a log sees.
  expect(`${err.message} ${(err as { hint?: string }).hint ?? ''}`).not.toContain(PASSWORD);
  return err;
}

const names = (b: FakeBmc) =>
  b.commands.filter((c) => !c.dropped).map((c) => `${c.netFn.toString(16)}/${c.cmd.toString(16)}`);

describe('happy paths', () => {
  it('suite 17 by default: reads power, powers off and on, one session per call, each closed', async () => {
    const b = await fake();
    const fencer = createIpmiFencer(config(b));
    expect(fencer.method).toBe('ipmi');
    expect(fencer.target).toBe(`ipmi admin@${b.address}`);
    expect(await fencer.getPower()).toBe('on');
    await fencer.setPower('off');
    expect(b.powerOn).toBe(false);
    expect(await fencer.getPower()).toBe('off');
    await fencer.setPower('on');
    expect(b.powerOn).toBe(true);
    expect(b.openSessionRequests.map((p) => p.auth)).toEqual([3, 3, 3, 3]);
    // Set Session Privilege Level (ADMINISTRATOR), the command, Close Session — every time.
    expect(names(b)).toEqual([
      '6/3b',
      '0/1',
      '6/3c',
      '6/3b',
      '0/2',
      '6/3c',
      '6/3b',
      '0/1',
      '6/3c',
      '6/3b',
      '0/2',
      '6/3c',
    ]);
    expect(b.commands.filter((c) => c.cmd === 0x3b).map((c) => c.data[0])).toEqual([4, 4, 4, 4]);
    expect(b.openSessions).toBe(0);
  });

  it('falls back from 17 to 3 when the BMC refuses 17, and honours the configured order', async () => {
    // A BMC that gives no cipher suite list: the configured order is tried.
    const b = await fake({ suites: [3], listSuites: 'silent' });
    expect(await createIpmiFencer(config(b)).getPower()).toBe('on');
    expect(b.openSessionRequests.map((p) => p.auth)).toEqual([3, 1]);
    forgetCipherSuites();
    b.options.suites = [3, 17];
    b.openSessionRequests.length = 0;
    expect(await createIpmiFencer(config(b, { cipherSuites: [3, 17] })).getPower()).toBe('on');
    expect(b.openSessionRequests.map((p) => p.auth)).toEqual([1]);
  });

  it('an operator account with privilege: operator may fence', async () => {
    const b = await fake();
    await createIpmiFencer(config(b, { username: 'oper', privilege: 'operator' })).setPower('off');
    expect(b.powerOn).toBe(false);
    expect(b.commands.find((c) => c.cmd === 0x3b)?.data[0]).toBe(3);
  });

  it('lower-level chassis actions send cycle (02), hard reset (03) and soft shutdown (05)', async () => {
    const b = await fake();
    await ipmiPowerCycle(config(b));
    await ipmiHardReset(config(b));
    await ipmiSoftShutdown(config(b));
    expect(b.commands.filter((c) => c.cmd === 0x02).map((c) => c.data[0])).toEqual([2, 3, 5]);
    const status = await ipmiChassisStatus(config(b));
    expect(status).toMatchObject({ powerControlFault: false });
  });
});

describe('operator-actionable errors', () => {
  it('wrong password: BmcAuthError naming user and BMC, never the password', async () => {
    const b = await fake();
    const err = await failure(createIpmiFencer(config(b, { password: 'not-the-password' })).getPower());
    expect(err).toBeInstanceOf(BmcAuthError);
    expect(err.message).toContain(`authentication failed for user admin at BMC ${b.address}`);
    expect(err.message).not.toContain('not-the-password');
    expect(b.openSessionRequests).toHaveLength(1);
  });

  it('a BMC that cannot prove the password (bad RAKP 2 HMAC) is refused the same way', async () => {
    const b = await fake({ corruptRakp2: true });
    expect(await failure(createIpmiFencer(config(b)).getPower())).toBeInstanceOf(BmcAuthError);
    // We never sent RAKP 3, so the BMC learnt nothing it could brute-force.
    expect(b.received.some((d) => d[5] === 0x14)).toBe(false);
  });

  it('unknown user: BmcAuthError', async () => {
    const b = await fake();
    const err = await failure(createIpmiFencer(config(b, { username: 'nobody' })).getPower());
    expect(err).toBeInstanceOf(BmcAuthError);
    expect(err.message).toMatch(/authentication failed for user nobody at BMC .*does not know this user/);
  });

  it.each(['rakp', 'set-privilege'] as const)(
    'USER-privilege account, refused at %s: BmcPrivilegeError',
    async (privilegeCheck) => {
      const b = await fake({ privilegeCheck });
      const err = await failure(createIpmiFencer(config(b, { username: 'viewer' })).setPower('off'));
      expect(err).toBeInstanceOf(BmcPrivilegeError);
      expect(b.powerOn).toBe(true);
    },
  );

  it('completion code D4 on Chassis Control: BmcPrivilegeError', async () => {
    const b = await fake();
    const params = {
      host: '127.0.0.1',
      port: b.port,
      target: b.address,
      username: 'viewer',
      password: PASSWORD,
      suites: [cipherSuite(17)],
      privilege: PrivilegeLevel.user,
      attemptTimeoutMs: 200,
      timeoutMs: 1000,
    };
    const err = await failure(withSession(params, (s) => chassisControl(s, 'off', b.address)));
    expect(err).toBeInstanceOf(BmcPrivilegeError);
    expect(err.message).toContain('0xD4');
  });

  it('RAKP 4 ICV that does not verify: BmcProtocolError', async () => {
    const b = await fake({ corruptRakp4: true });
    expect(await failure(createIpmiFencer(config(b)).getPower())).toBeInstanceOf(BmcProtocolError);
  });

  it('BMC with a Kg: BmcAuthError with a hint; BMC without RMCP+: UnsupportedCipherSuiteError', async () => {
    const b = await fake({ kgRequired: true });
    const err = await failure(createIpmiFencer(config(b)).getPower());
    expect(err).toBeInstanceOf(BmcAuthError);
    expect((err as BmcAuthError).hint).toMatch(/Kg/);
    b.options.kgRequired = false;
    b.options.noRmcpPlus = true;
    expect(await failure(createIpmiFencer(config(b)).getPower())).toBeInstanceOf(UnsupportedCipherSuiteError);
    expect(b.openSessionRequests).toHaveLength(0);
  });

  it('Kg (spec 13.31): SIK keyed with the configured BMC key, for both suites; a wrong one fails RAKP 4', async () => {
    const kg = '0f1e2d3c4b5a69788796a5b4c3d2e1f001020304';
    for (const suite of [3, 17] as const) {
      const b = await fake({ kg, suites: [suite] });
      const fencer = createIpmiFencer(config(b, { kg, cipherSuites: [suite] }));
      expect(await fencer.getPower()).toBe('on');
      await fencer.setPower('off');
      expect(b.powerOn).toBe(false);
    }
    const b = await fake({ kg });
    const wrong = await failure(createIpmiFencer(config(b, { kg: 'ffff' })).getPower());
    expect(wrong).toBeInstanceOf(BmcProtocolError);
    expect(wrong.message).toMatch(/RAKP 4 integrity check value that does not verify/);
    expect((wrong as BmcProtocolError).hint).toMatch(/kg/);
    // A configured Kg is not used with a BMC that says its key is zero: Kuid keys SIK there.
    const plain = await fake();
    expect(await createIpmiFencer(config(plain, { kg })).getPower()).toBe('on');
  });

  it('power off with a power control fault, a truncated or failed status: PowerStateUnknownError', async () => {
    const b = await fake({ chassisStatusByte: 0x10 });
    expect(await failure(createIpmiFencer(config(b)).getPower())).toBeInstanceOf(PowerStateUnknownError);
    b.options.chassisStatusByte = undefined;
    b.options.chassisStatusCompletionCode = 0xc0;
    expect(await failure(createIpmiFencer(config(b)).getPower())).toBeInstanceOf(PowerStateUnknownError);
  });

  it('a refused Chassis Control: BmcProtocolError with the completion code', async () => {
    const b = await fake({ chassisControlCompletionCode: 0xcc });
    const err = await failure(ipmiChassisControl(config(b), 'reset'));
    expect(err).toBeInstanceOf(BmcProtocolError);
    expect(err.message).toContain('0xCC (invalid data field in request)');
  });
});

describe('transport', () => {
  it('a silent BMC: BmcUnreachableError at the deadline, not later', async () => {
    const b = await fake({ silent: true });
    const started = performance.now();
    const err = await failure(createIpmiFencer(config(b, { requestTimeoutMs: 400 })).getPower());
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(BmcUnreachableError);
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(700);
    // 100 ms per attempt: four tries of the first request within 400 ms.
    expect(b.received).toHaveLength(4);
  });

  it('retransmits lost datagrams; in session with a new sequence number and the same rqSeq', async () => {
    const b = await fake({ dropFirst: 2, dropInSession: 2 });
    const fencer = createIpmiFencer(config(b, { requestTimeoutMs: 2000 }), { attemptTimeoutMs: 50 });
    expect(await fencer.getPower()).toBe('on');
    const privs = b.commands.filter((c) => c.cmd === 0x3b);
    expect(privs).toHaveLength(3);
    expect(new Set(privs.map((c) => c.rqSeq)).size).toBe(1);
    const seqs = b.commands.map((c) => c.sequence);
    expect(seqs[0]).toBe(1);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('ignores garbage, truncated, mis-MACed and replayed datagrams', async () => {
    const b = await fake({ garbageBeforeReply: true, replayPrevious: true });
    let ignored = 0;
    const fencer = createIpmiFencer(config(b), { observer: { ignored: () => ignored++ } });
    expect(await fencer.getPower()).toBe('on');
    await fencer.setPower('off');
    expect(await fencer.getPower()).toBe('off');
    expect(ignored).toBeGreaterThan(20);
  });

  it('honours an AbortSignal, before and during a call', async () => {
    const b = await fake({ silent: true });
    const fencer = createIpmiFencer(config(b, { requestTimeoutMs: 5000 }));
    const pre = await failure(fencer.getPower(AbortSignal.abort()));
    expect(pre).toBeInstanceOf(BmcUnreachableError);
    expect(b.received).toHaveLength(0);
    const ctl = new AbortController();
    const started = performance.now();
    setTimeout(() => ctl.abort(), 50);
    const during = await failure(fencer.setPower('off', ctl.signal));
    expect(during).toBeInstanceOf(BmcUnreachableError);
    expect(during.message).toMatch(/aborted/);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('an unresolvable host name: BmcUnreachableError', async () => {
    const b = await fake();
    const err = await failure(
      createIpmiFencer(config(b, { address: 'no-such-bmc.invalid:623', requestTimeoutMs: 2000 })).getPower(),
    );
    expect(err).toBeInstanceOf(BmcUnreachableError);
  });
});
