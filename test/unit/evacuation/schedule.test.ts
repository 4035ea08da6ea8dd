import { describe, expect, test } from '@jest/globals';
import { EVENTS_PER_ROUND, FIRST_CHECK_MS, MAX_ROUNDS, nextRoundDelayMs } from '../../../lib/evacuation/index.js';

describe('the evacuation check schedule', () => {
  test('first check soon after a request, then backing off with age, capped by the config', () => {
    expect(nextRoundDelayMs([0], 5000, 1)).toBe(FIRST_CHECK_MS);
    expect(nextRoundDelayMs([10_000], 5000, 1)).toBe(1000);
    expect(nextRoundDelayMs([600_000], 5000, 1)).toBe(5000);
    // The youngest evacuation in flight decides.
    expect(nextRoundDelayMs([600_000, 100], 5000, 1)).toBe(FIRST_CHECK_MS);
  });

  test('aims at the expected finish once some rebuilds have been seen', () => {
    const known = { soonestMs: 960, latestMs: 1000 };
    expect(nextRoundDelayMs([300], 5000, 3, known)).toBe(700);
    // Past the window: the backoff again.
    expect(nextRoundDelayMs([1200], 5000, 3, known)).toBe(120);
  });

  test('a wide window is probed halfway, then at its end, so it narrows instead of carrying the first lateness', () => {
    const wide = { soonestMs: 800, latestMs: 1200 };
    expect(nextRoundDelayMs([0], 5000, 3, wide)).toBe(1000);
    // The halfway check missed: the next one is the window's end.
    expect(nextRoundDelayMs([1000], 5000, 3, wide)).toBe(200);
    // Nothing seen in flight yet (soonest 0): halfway between the request and the first sighting.
    expect(nextRoundDelayMs([100], 5000, 3, { soonestMs: 0, latestMs: 1200 })).toBe(500);
  });

  test('the floor rises with the round count, so a host never outgrows the 25,000-event history', () => {
    expect(nextRoundDelayMs([0], 5000, 999)).toBe(FIRST_CHECK_MS);
    expect(nextRoundDelayMs([0], 5000, 1000)).toBe(15_000);
    expect(nextRoundDelayMs([0], 5000, 2000)).toBe(300_000);
    expect(MAX_ROUNDS * EVENTS_PER_ROUND).toBeLessThan(25_000 - 500);
  });
});
