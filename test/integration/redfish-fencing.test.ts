/**
 * The Redfish driver against the simulator's BMC (lib/sim/redfish-bmc.ts), one case per
 * behaviour an operator depends on: transitional power states, the BMC's own error text, a
 * refused ForceOff told apart from "already off", session re-login, TLS failures, redirects,
 * and auth errors that stop the fence loop at once.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  BmcAuthError,
  BmcTlsError,
  BmcUnreachableError,
  fenceOff,
  PowerActionRefusedError,
  PowerStateUnknownError,
  powerOn,
  type ResolvedRedfishBmc,
} from '../../lib/fencing/index.js';
import { createRedfishFencer, redfishErrorText } from '../../lib/fencing/redfish.js';
import { startSimCloud, type SimCloud } from '../../lib/sim/index.js';

const TLS_DIR = fileURLToPath(new URL('./notify/fixtures/', import.meta.url));
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers) await c();
});

async function sim(redfish: NonNullable<Parameters<typeof startSimCloud>[0]>['redfish'] = {}): Promise<SimCloud> {
  const s = await startSimCloud({
    hosts: 1,
    reportIntervalMs: 200,
    redfish: { powerOffDelayMs: 100, powerOnDelayMs: 100, ...redfish },
  });
  closers.push(() => s.stop());
  return s;
}

function config(s: SimCloud, over: Partial<ResolvedRedfishBmc> = {}): ResolvedRedfishBmc {
  const a = s.bmc('compute-1');
  return {
    driver: 'redfish',
    host: 'compute-1',
    address: a.url,
    username: a.username,
    password: a.password,
    authMode: 'basic',
    insecure: false,
    requestTimeoutMs: 2000,
    ...over,
  };
}

const redfishLog = (s: SimCloud) => s.requestLog.filter((r) => r.service === 'redfish');
const timing = { powerTimeoutMs: 10_000, pollIntervalMs: 200 };

describe('power states (S1: only a clean Off is off, only a clean On is on)', () => {
  test('PoweringOff is not off: the fence is confirmed only once the BMC reads Off', async () => {
    const s = await sim({ powerOffDelayMs: 1200 });
    const f = createRedfishFencer(config(s));
    await f.setPower('off');
    expect(s.powerState('compute-1')).toBe('PoweringOff');
    await expect(f.getPower()).rejects.toThrow(PowerStateUnknownError);
    const r = await fenceOff(createRedfishFencer(config(s)), timing);
    expect(r.fenced).toBe(true);
    expect(s.powerState('compute-1')).toBe('Off');
  });

  test('PoweringOn is not on: power-on waits for On', async () => {
    const s = await sim({ powerOffDelayMs: 50, powerOnDelayMs: 1200 });
    await fenceOff(createRedfishFencer(config(s)), timing);
    const f = createRedfishFencer(config(s));
    await f.setPower('on');
    expect(s.powerState('compute-1')).toBe('PoweringOn');
    await expect(f.getPower()).rejects.toThrow(/PoweringOn.*neither on nor off/);
    const r = await powerOn(createRedfishFencer(config(s)), timing);
    expect(r.attempts).toBeGreaterThan(1);
    expect(s.powerState('compute-1')).toBe('On');
  });
});

describe("a refused ForceOff, with the BMC's own words", () => {
  test('a refusal (409 while On) fails at once with the ExtendedInfo message, far before the power timeout', async () => {
    const s = await sim();
    s.faults.bmc['compute-1']!.refuseResetStatus = 409;
    const started = Date.now();
    const err = (await fenceOff(createRedfishFencer(config(s)), { ...timing, powerTimeoutMs: 30_000 }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(PowerActionRefusedError);
    expect(err.message).toMatch(/refused ForceOff .* with 409 while it reads "On"/);
    expect(err.message).toContain('Base.1.8.ActionNotAllowed: The action ComputerSystem.Reset ForceOff is not allowed');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(s.powerState('compute-1')).toBe('On');
  });

  test('"already off" (409 while Off) is verified at once and is not an error', async () => {
    const s = await sim({ powerOffDelayMs: 50 });
    await fenceOff(createRedfishFencer(config(s)), timing);
    s.faults.bmc['compute-1']!.alreadyOffStatus = 409;
    const before = redfishLog(s).length;
    await createRedfishFencer(config(s)).setPower('off');
    const after = redfishLog(s).slice(before);
    expect(after.some((r) => r.method === 'POST' && r.status === 409)).toBe(true);
    // The state was read again right after the 409.
    const i = after.findIndex((r) => r.method === 'POST');
    expect(after.slice(i + 1).some((r) => r.method === 'GET' && r.path.includes('/Systems/'))).toBe(true);
  });

  test('ExtendedInfo is formatted for an operator and never carries the password', () => {
    const body = {
      error: {
        code: 'Base.1.8.GeneralError',
        message: 'See ExtendedInfo',
        '@Message.ExtendedInfo': [
          {
            MessageId: 'Base.1.8.PropertyValueFormatError',
            Message: "The value 's3cret' is invalid",
            Resolution: 'Fix it',
          },
        ],
      },
    };
    expect(redfishErrorText(body, 's3cret')).toBe(
      "Base.1.8.PropertyValueFormatError: The value '[redacted]' is invalid (Fix it)",
    );
    expect(redfishErrorText({ error: { code: 'X', message: 'plain' } })).toBe('X: plain');
    expect(redfishErrorText('<html>')).toBeUndefined();
  });
});

describe('sessions, TLS and redirects', () => {
  test('an expired session token: one re-login, and the request goes through', async () => {
    const s = await sim();
    const f = createRedfishFencer(config(s, { authMode: 'session' }));
    expect(await f.getPower()).toBe('on');
    s.faults.bmc['compute-1']!.expireSessions = true;
    expect(await f.getPower()).toBe('on');
    await f.close?.();
    const logins = redfishLog(s).filter((r) => r.method === 'POST' && r.path.endsWith('/Sessions'));
    expect(logins.map((r) => r.status)).toEqual([201, 201]);
  });

  test('a re-login that fails is a BmcAuthError, not a loop', async () => {
    const s = await sim();
    const f = createRedfishFencer(config(s, { authMode: 'session' }));
    expect(await f.getPower()).toBe('on');
    s.faults.bmc['compute-1']!.badCredentials = true;
    await expect(f.getPower()).rejects.toThrow(BmcAuthError);
    const logins = redfishLog(s).filter((r) => r.method === 'POST' && r.path.endsWith('/Sessions'));
    expect(logins).toHaveLength(2);
  });

  test('an untrusted certificate is a BmcTlsError (never retried) with a caBundle hint', async () => {
    const s = await sim({
      tls: { key: readFileSync(`${TLS_DIR}smtp.key`), cert: readFileSync(`${TLS_DIR}smtp.pem`) },
    });
    const err = (await createRedfishFencer(config(s))
      .getPower()
      .catch((e: unknown) => e)) as BmcTlsError;
    expect(err).toBeInstanceOf(BmcTlsError);
    expect(err).not.toBeInstanceOf(BmcUnreachableError);
    expect(err.name).toBe('BmcTlsError');
    expect(err.hint).toMatch(/caBundle/);
    expect(await createRedfishFencer(config(s, { caBundle: `${TLS_DIR}ca.pem` })).getPower()).toBe('on');
  });

  test('redirects within the origin are followed (GET and POST, basic and session auth)', async () => {
    const s = await sim();
    s.faults.bmc['compute-1']!.redirect = 'same-origin';
    for (const authMode of ['basic', 'session'] as const) {
      const r = await fenceOff(createRedfishFencer(config(s, { authMode })), timing);
      expect(r.fenced).toBe(true);
      await powerOn(createRedfishFencer(config(s, { authMode })), timing);
    }
    expect(redfishLog(s).some((r) => r.status === 307)).toBe(true);
    expect(
      redfishLog(s).some((r) => r.method === 'POST' && r.path.startsWith('/r/') && r.path.endsWith('.Reset')),
    ).toBe(true);
  });

  test('a redirect to another origin is refused: credentials never leave the configured BMC', async () => {
    const s = await sim();
    s.faults.bmc['compute-1']!.redirect = 'other-origin';
    await expect(createRedfishFencer(config(s)).getPower()).rejects.toThrow(
      /redirects GET \/redfish\/v1\/Systems to another origin \(http:\/\/127\.0\.0\.2:9\)/,
    );
  });
});

describe('auth errors during the confirm loop stop it at once (lockout risk)', () => {
  test('credentials refused mid-fence: BmcAuthError after one failed read, not ~30', async () => {
    const s = await sim({ powerOffDelayMs: 5000 });
    const f = createRedfishFencer(config(s));
    const started = Date.now();
    setTimeout(() => (s.faults.bmc['compute-1']!.badCredentials = true), 600);
    const err = (await fenceOff(f, { powerTimeoutMs: 10_000, pollIntervalMs: 200 }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(BmcAuthError);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(redfishLog(s).filter((r) => r.status === 401)).toHaveLength(1);
  });
});
