import { describe, expect, test } from '@jest/globals';
import {
  currentGroup,
  isNoValidHost,
  lockReasonFor,
  reasonAfterAttempts,
  restartGroups,
  retryDelayMs,
  type PlanItem,
} from '../../../lib/evacuation/index.js';

const item = (id: string, group: number): PlanItem => ({
  id,
  name: id,
  projectId: 'p',
  vmState: 'active',
  priority: 0,
  group,
  volumeBacked: false,
});

describe('restart groups', () => {
  const items = [item('a', 2), item('b', 2), item('c', 1), item('d', 0), item('e', 0)];

  test('a group is a run of plan items with the same group value, in plan order', () => {
    expect(restartGroups(items).map((g) => g.map((i) => i.id).join(''))).toEqual(['ab', 'c', 'de']);
    expect(restartGroups([])).toEqual([]);
  });

  test('the current group is the first with an unsettled instance; settled ones (failed too) let the next start', () => {
    const settled = new Set<string>();
    const now = () => currentGroup(items, (id) => settled.has(id));
    expect(now()).toMatchObject({ value: 2, position: 1, of: 3 });
    settled.add('a');
    expect(now()?.value).toBe(2);
    settled.add('b');
    expect(now()).toMatchObject({ value: 1, position: 2, ids: new Set(['c']) });
    settled.add('c');
    expect(now()).toMatchObject({ value: 0, position: 3 });
    settled.add('d').add('e');
    expect(now()).toBeUndefined();
  });
});

describe('retries', () => {
  test("only Nova's own NoValidHost report is retried", () => {
    const nvh = 'No valid host was found. There are not enough hosts available.';
    expect(isNoValidHost({ kind: 'failed', reason: nvh, migrationStatus: 'error' })).toBe(true);
    // No migration of ours said so: the instance went ERROR some other way.
    expect(isNoValidHost({ kind: 'failed', reason: nvh })).toBe(false);
    expect(
      isNoValidHost({ kind: 'failed', reason: 'Invalid state of instance files', migrationStatus: 'failed' }),
    ).toBe(false);
    expect(isNoValidHost({ kind: 'in-progress', detail: nvh })).toBe(false);
  });

  test('backoff doubles from the configured base, jittered, capped at 10 minutes', () => {
    const cfg = { count: 3, backoffSeconds: 10 };
    const mid = () => 0.5;
    expect([1, 2, 3].map((n) => retryDelayMs(n, cfg, mid))).toEqual([10_000, 20_000, 40_000]);
    expect(retryDelayMs(1, cfg, () => 0)).toBe(8000);
    expect(retryDelayMs(20, cfg, mid)).toBe(600_000);
  });

  test('the final reason leads with the attempt count', () => {
    expect(reasonAfterAttempts(1, 'No valid host')).toBe('No valid host');
    expect(reasonAfterAttempts(4, 'No valid host')).toBe('after 4 attempts: No valid host');
  });
});

describe('lock reason', () => {
  test('names the host and the incident, within Nova’s 255 characters', () => {
    expect(lockReasonFor('inc-1', 'compute-1')).toBe(
      'freezer-dr: evacuating after host compute-1 failed (incident inc-1)',
    );
    expect(lockReasonFor('i'.repeat(300), 'h')).toHaveLength(255);
  });
});
