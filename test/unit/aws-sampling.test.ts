import { describe, expect, test } from '@jest/globals';
import { sampleWithinWindow } from '../../lib/aws/index.js';

/** A fake clock: waiting moves it, a pass takes `passMs`. */
function clock(passMs = 100) {
  let t = 0;
  const starts: number[] = [];
  return {
    starts,
    opts: { now: () => t, wait: async (ms: number) => void (t += ms) },
    pass: async () => {
      starts.push(t);
      t += passMs;
    },
  };
}

describe('sampling within the monitor’s scheduled minute', () => {
  test('a pass every interval while its start is inside the minute', async () => {
    const c = clock();
    expect(await sampleWithinWindow(c.pass, { ...c.opts, intervalMs: 10_000 })).toBe(6);
    expect(c.starts).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
  });

  test('an interval of a minute or more is the plain one-pass invocation', async () => {
    const c = clock();
    expect(await sampleWithinWindow(c.pass, { ...c.opts, intervalMs: 60_000 })).toBe(1);
  });

  test('stops before the function would time out', async () => {
    const c = clock();
    const left = 32_000;
    const passes = await sampleWithinWindow(c.pass, {
      ...c.opts,
      intervalMs: 10_000,
      remainingMs: () => left - c.opts.now(),
    });
    expect(passes).toBe(3); // 0, 10 s, 20 s; a pass at 30 s would leave under 5 s
  });
});
