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
    expect(nextRoundDelayMs([300], 5000, 3, 1000)).toBe(700);
    expect(nextRoundDelayMs([1200], 5000, 3, 1000)).toBe(120);
  });

  test('the floor rises with the round count, so a host never outgrows the 25,000-event history', () => {
    expect(nextRoundDelayMs([0], 5000, 999)).toBe(FIRST_CHECK_MS);
    expect(nextRoundDelayMs([0], 5000, 1000)).toBe(15_000);
    expect(nextRoundDelayMs([0], 5000, 2000)).toBe(300_000);
    expect(MAX_ROUNDS * EVENTS_PER_ROUND).toBeLessThan(25_000 - 500);
  });
});
