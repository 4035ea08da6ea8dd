import { describe, expect, test } from '@jest/globals';
import { backingOff, backoffDelay, limiter, runPool, sleep, waitFor } from '../../../lib/async/index.js';

describe('limiter', () => {
  test('never runs more than its size at once, even when a slot is handed over', async () => {
    const limit = limiter(2);
    let active = 0;
    let peak = 0;
    const job = async (): Promise<void> => {
      active++;
      peak = Math.max(peak, active);
      await sleep(5);
      active--;
    };
    // Newcomers arrive while slots are being released: the hand-over must not let a third in.
    await Promise.all(Array.from({ length: 12 }, (_, i) => sleep(i % 3).then(() => limit(job))));
    expect(peak).toBe(2);
  });

  test('runPool visits every item and re-throws the first failure after all settled', async () => {
    const seen: number[] = [];
    await expect(
      runPool([1, 2, 3, 4], 2, async (n) => {
        seen.push(n);
        if (n === 2) throw new Error('two');
      }),
    ).rejects.toThrow('two');
    expect(seen.sort()).toEqual([1, 2, 3, 4]);
  });
});

describe('backoffDelay', () => {
  test('grows by its factor and stays within its jitter and ceiling', () => {
    expect(backoffDelay(1, { baseMs: 100, factor: 3, jitter: 0 })).toBe(100);
    expect(backoffDelay(3, { baseMs: 100, factor: 3, jitter: 0 })).toBe(900);
    expect(backoffDelay(2, { baseMs: 100, factor: 2, jitter: 0.25 }, () => 0)).toBe(150);
    expect(backoffDelay(2, { baseMs: 100, factor: 2, jitter: 0.25 }, () => 1)).toBe(250);
    expect(backoffDelay(10, { baseMs: 100, factor: 2, jitter: 0, maxMs: 1000 })).toBe(1000);
  });
});

describe('waitFor', () => {
  test('returns the value and the number of checks once done', async () => {
    const r = await waitFor(async (n) => (n === 3 ? { done: true, value: 'ok' } : { done: false, last: `n=${n}` }), {
      timeoutMs: 1000,
      intervalMs: 1,
      onTimeout: () => new Error('timeout'),
    });
    expect(r).toEqual({ value: 'ok', checks: 3 });
  });

  test('throws the caller’s error with the last reason when time runs out, after a last check at the deadline', async () => {
    let clock = 0;
    const checks: number[] = [];
    await expect(
      waitFor(
        async (n) => {
          checks.push(n);
          clock += 40;
          return { done: false, last: `still on (${n})` };
        },
        { timeoutMs: 100, intervalMs: 10, now: () => clock, onTimeout: (last, n) => new Error(`${last} after ${n}`) },
      ),
    ).rejects.toThrow('still on (3) after 3');
    expect(checks).toEqual([1, 2, 3]);
  });

  test('an abort stops the wait with the signal’s reason', async () => {
    const ac = new AbortController();
    const reason = new Error('task deadline');
    setTimeout(() => ac.abort(reason), 10);
    await expect(
      waitFor(async () => ({ done: false, last: 'x' }), {
        timeoutMs: 10_000,
        intervalMs: 1_000,
        signal: ac.signal,
        onTimeout: () => new Error('timeout'),
      }),
    ).rejects.toBe(reason);
  });

  test('backingOff starts fast and grows to its ceiling', () => {
    const s = backingOff(100, 1000);
    expect([1, 2, 3, 4, 5, 6].map(s)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
