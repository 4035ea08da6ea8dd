import { describe, expect, test } from '@jest/globals';
import {
  BmcAuthError,
  BmcPrivilegeError,
  BmcUnreachableError,
  PowerActionRefusedError,
  PowerOffTimeoutError,
  PowerStateUnknownError,
  fenceOff,
  pollDelay,
  type Fencer,
  type PowerState,
} from '../../../lib/fencing/index.js';

/** A scripted BMC: the power reads come from a list; records every request. */
function scripted(reads: Array<PowerState | Error>, opts: { ignoreOff?: boolean; setError?: Error } = {}) {
  const calls: string[] = [];
  let i = 0;
  const fencer: Fencer = {
    method: 'test',
    target: 'test bmc',
    async getPower() {
      calls.push('get');
      const r = reads[Math.min(i++, reads.length - 1)]!;
      if (r instanceof Error) throw r;
      return r;
    },
    async setPower(action) {
      calls.push(`set:${action}`);
      if (opts.setError) throw opts.setError;
    },
  };
  return { fencer, calls };
}
const timing = { powerTimeoutMs: 200, pollIntervalMs: 10 };

describe('fence loop (the contract every driver shares)', () => {
  test('already off: success without a power request', async () => {
    const { fencer, calls } = scripted(['off']);
    const r = await fenceOff(fencer, timing);
    expect(r).toMatchObject({ fenced: true, alreadyOff: true, method: 'test' });
    expect(calls).toEqual(['get']);
  });

  test('on → off request → polls until off', async () => {
    const { fencer, calls } = scripted(['on', 'on', 'on', 'off']);
    const r = await fenceOff(fencer, timing);
    expect(r).toMatchObject({ fenced: true, alreadyOff: false, attempts: 3 });
    expect(calls.filter((c) => c === 'set:off')).toHaveLength(1);
  });

  test('S1: a BMC that accepts power-off but stays on is a failed fence', async () => {
    const { fencer } = scripted(['on']);
    await expect(fenceOff(fencer, timing)).rejects.toBeInstanceOf(PowerOffTimeoutError);
  });

  test('S1: a BMC that stops answering after the request is not a confirmation', async () => {
    const { fencer } = scripted(['on', new BmcUnreachableError('gone')]);
    await expect(fenceOff(fencer, timing)).rejects.toThrow(/NOT confirmed off/);
  });

  test('an unreachable BMC before the request fails at once, nothing sent', async () => {
    const { fencer, calls } = scripted([new BmcUnreachableError('no route')]);
    await expect(fenceOff(fencer, timing)).rejects.toBeInstanceOf(BmcUnreachableError);
    expect(calls).toEqual(['get']);
  });

  test.each([
    ['BmcAuthError', new BmcAuthError('authentication failed for user fence at BMC b')],
    ['BmcPrivilegeError', new BmcPrivilegeError('user fence may not read power')],
  ])('%s while polling ends the attempt at once: no further logins (lockout risk)', async (_, error) => {
    const { fencer, calls } = scripted(['on', error, 'off']);
    const err = await fenceOff(fencer, { powerTimeoutMs: 5000, pollIntervalMs: 10 }).catch((e: unknown) => e);
    expect(err).toBe(error);
    expect(calls).toEqual(['get', 'set:off', 'get']);
  });

  test('a transitional state before the request (neither on nor off) still gets the power-off, then the confirm', async () => {
    const { fencer, calls } = scripted([new PowerStateUnknownError('PoweringOn'), 'off']);
    expect(await fenceOff(fencer, timing)).toMatchObject({ fenced: true, alreadyOff: false });
    expect(calls).toEqual(['get', 'set:off', 'get']);
  });

  test('a power-off whose answer was lost is confirmed by reading the state', async () => {
    const { fencer } = scripted(['on', 'off'], { setError: new BmcUnreachableError('no answer') });
    expect(await fenceOff(fencer, timing)).toMatchObject({ fenced: true });
  });

  test("a refused power-off fails with the BMC's words after a short look, not after the power timeout", async () => {
    const refusal = new PowerActionRefusedError('BMC refused ForceOff: locked');
    const { fencer } = scripted(['on'], { setError: refusal });
    const started = Date.now();
    await expect(fenceOff(fencer, { powerTimeoutMs: 30_000, pollIntervalMs: 50 })).rejects.toBe(refusal);
    expect(Date.now() - started).toBeLessThan(5000);
    // …and one that was only a stale "already off" is confirmed.
    const late = scripted(['on', 'on', 'off'], { setError: refusal });
    expect(await fenceOff(late.fencer, { powerTimeoutMs: 30_000, pollIntervalMs: 50 })).toMatchObject({ fenced: true });
  });

  test('poll schedule: every 100 ms for the first second, then growing to the interval', () => {
    expect(pollDelay(0, undefined, 1000)).toBe(100);
    expect(pollDelay(900, 100, 1000)).toBe(100);
    expect(pollDelay(1100, 100, 1000)).toBe(150);
    expect(pollDelay(1300, 150, 1000)).toBe(225);
    expect(pollDelay(9000, 900, 1000)).toBe(1000);
    // A configured interval below 100 ms is honoured.
    expect(pollDelay(0, undefined, 50)).toBe(50);
    expect(pollDelay(5000, 50, 50)).toBe(50);
  });
});
