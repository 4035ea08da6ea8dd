import { describe, expect, test } from '@jest/globals';
import {
  BmcUnreachableError,
  PowerOffTimeoutError,
  fenceOff,
  type Fencer,
  type PowerState,
} from '../../../lib/fencing/index.js';

/** A scripted BMC: the power reads come from a list; records every request. */
function scripted(reads: Array<PowerState | Error>, opts: { ignoreOff?: boolean } = {}) {
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
      void opts;
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
});
