import { describe, expect, test } from '@jest/globals';
import { recoveryOutcome, stoppedOutcome } from '../../../lib/workflow/outcome.js';
import type { InstanceOutcome } from '../../../lib/evacuation/schemas.js';

const of = (...o: InstanceOutcome[]) => o.map((outcome) => ({ outcome }));

describe('recoveryOutcome', () => {
  test('resolved only when no evacuable instance is left behind', () => {
    expect(recoveryOutcome(of())).toBe('resolved');
    expect(recoveryOutcome(of('evacuated', 'skipped'))).toBe('resolved');
    expect(recoveryOutcome(of('skipped'))).toBe('resolved');
  });
  test('some evacuated, some not: partial', () => {
    expect(recoveryOutcome(of('evacuated', 'failed'))).toBe('partial');
    expect(recoveryOutcome(of('evacuated', 'timeout', 'skipped'))).toBe('partial');
  });
  test('nothing evacuated is not partial: failed, or timed-out when every one ran out of time', () => {
    expect(recoveryOutcome(of('failed', 'failed', 'failed'))).toBe('failed');
    expect(recoveryOutcome(of('failed', 'timeout'))).toBe('failed');
    expect(recoveryOutcome(of('timeout', 'timeout', 'skipped'))).toBe('timed-out');
  });
});

describe('stoppedOutcome', () => {
  test('not fenced wins; a Task timeout is timed-out; anything else failed', () => {
    expect(stoppedOutcome(false, 'States.Timeout')).toBe('fence-failed');
    expect(stoppedOutcome(true, 'States.Timeout')).toBe('timed-out');
    expect(stoppedOutcome(true, 'ApiServerError')).toBe('failed');
  });
});
