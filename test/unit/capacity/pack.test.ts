import { describe, expect, test } from '@jest/globals';
import {
  packFirstFitDecreasing,
  worstOf,
  type Bin,
  type ClassCapacity,
  type HostAnswer,
} from '../../../lib/capacity/index.js';
import { headroomView } from '../../../lib/notify/index.js';
import type { Incident } from '../../../lib/incidents/index.js';

const cls = (over: Partial<ClassCapacity> = {}): ClassCapacity => ({
  total: 16,
  reserved: 0,
  allocationRatio: 1,
  minUnit: 1,
  maxUnit: 16,
  stepSize: 1,
  used: 0,
  ...over,
});
const bin = (host: string, vcpu: Partial<ClassCapacity> = {}): Bin => ({
  host,
  capacity: { VCPU: cls(vcpu), MEMORY_MB: cls({ total: 65536, maxUnit: 65536 }) },
});
const inst = (name: string, VCPU: number, MEMORY_MB = 1024) => ({
  id: `id-${name}`,
  name,
  resources: { VCPU, MEMORY_MB },
});

describe('first-fit decreasing over Placement inventories', () => {
  test('largest first: a packing that fits when the big one goes first', () => {
    // 8 + 8 = 16 on one host, 6 + 6 on the other: smallest-first would strand an 8.
    const r = packFirstFitDecreasing(
      [inst('a', 6), inst('b', 8), inst('c', 6), inst('d', 8)],
      [bin('h1'), bin('h2', { total: 12, maxUnit: 12 })],
    );
    expect(r.unplaced).toEqual([]);
    expect(r.placed.map((p) => `${p.id}@${p.host}`).sort()).toEqual(['id-a@h2', 'id-b@h1', 'id-c@h2', 'id-d@h1']);
    expect(r.freeAfter.VCPU).toBe(0);
  });

  test('used, reserved, ratio, min_unit and step_size are Placement rules; an unknown size never fits', () => {
    const r = packFirstFitDecreasing(
      [inst('odd', 3), inst('tiny', 1), { id: 'x', name: 'unknown', resources: null }],
      [bin('h1', { total: 8, reserved: 2, allocationRatio: 2, used: 9, minUnit: 2, stepSize: 2 })],
    );
    // (8 - 2) × 2 - 9 = 3 free, but 3 is off step_size 2 and 1 is below min_unit 2.
    expect(r.unplaced.map((u) => [u.name, u.reason])).toEqual([
      ['odd', 'VCPU 3 is not a multiple of step_size 2 on every target host'],
      ['tiny', 'VCPU 1 is below min_unit 2 on every target host'],
      ['unknown', 'its size is unknown (no Placement allocation found)'],
    ]);
    expect(r.capacity.VCPU).toBe(12);
    expect(r.freeAfter.VCPU).toBe(3);
  });

  test('no target host: every instance is left over, and says so', () => {
    expect(packFirstFitDecreasing([inst('a', 1)], []).unplaced[0]!.reason).toBe('no host takes evacuated instances');
  });

  test('the worst case is an answer that does not fit, else the least headroom', () => {
    const ans = (host: string, fits: boolean, left: number, headroomPercent: number): HostAnswer =>
      ({
        host,
        cloud: {
          fits,
          unplaced: Array.from({ length: left }, () => ({ id: 'x', name: 'x', reason: 'r' })),
          headroomPercent,
        },
      }) as unknown as HostAnswer;
    expect(worstOf([ans('a', true, 0, 40), ans('b', true, 0, 10), ans('c', true, 0, 30)])!.host).toBe('b');
    expect(worstOf([ans('a', true, 0, 1), ans('b', false, 1, 50), ans('c', false, 2, 60)])!.host).toBe('c');
    expect(worstOf([])).toBeNull();
  });
});

describe('the headroom line of the admin summary', () => {
  const incident = (headroom: Incident['headroom']) => ({ headroom }) as Incident;
  test('free of usable per class, and the worst case', () => {
    const v = headroomView(
      incident({
        at: '2026-12-01T00:00:00.000Z',
        hosts: 2,
        capacity: { VCPU: 128, MEMORY_MB: 131072 },
        free: { VCPU: 32, MEMORY_MB: 65536 },
        worstCase: { host: 'compute-2', fits: false, headroomPercent: 0 },
        error: null,
      }),
    )!;
    expect(v.line).toBe(
      'Headroom after the recovery, on the 2 host(s) that take evacuated instances: 32 vCPU free of 128 vCPU (25%), 64 GiB RAM free of 128 GiB RAM (50%).',
    );
    expect(v.worstCase).toBe(
      "The loss of one more host could NOT be absorbed: compute-2's instances would not all find room.",
    );
  });
  test('not measured, with the reason; nothing when the incident has no measurement', () => {
    const v = headroomView(
      incident({
        at: 'x',
        hosts: 0,
        capacity: {},
        free: {},
        worstCase: null,
        error: 'ApiUnreachableError: GET … ECONNRESET',
      }),
    )!;
    expect(v.line).toBe('Headroom after the recovery: not measured (ApiUnreachableError: GET … ECONNRESET).');
    expect(headroomView(incident(undefined))).toBeNull();
  });
});
