import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../../../lib/config/index.js';
import { planEvacuation } from '../../../lib/evacuation/index.js';
import type { Server } from '../../../lib/openstack/index.js';

const evacuable = (over: object = {}) =>
  parseConfig({ cloud: { from: 'env' }, evacuation: { evacuable: over } }).evacuation;
const server = (id: string, over: Partial<Server> = {}): Server => ({
  id,
  name: `vm-${id}`,
  status: 'ACTIVE',
  projectId: 'p1',
  userId: 'u1',
  host: 'compute-1',
  vmState: 'active',
  taskState: null,
  launchedAt: '2026-11-01T00:00:00.000000',
  metadata: {},
  imageId: 'img',
  flavorName: 'm1',
  flavorExtraSpecs: {},
  fault: null,
  locked: null,
  ...over,
});

describe('evacuation plan', () => {
  test('S3: an instance of compute-10 is never planned for compute-1', () => {
    const plan = planEvacuation(
      'compute-1',
      [server('a'), server('b', { host: 'compute-10' }), server('c', { host: 'compute-1.example' })],
      evacuable(),
    );
    expect(plan.items.map((i) => i.id)).toEqual(['a']);
    expect(plan.skipped).toEqual([]);
  });

  test('never-launched and non-evacuable vm_states are skipped with a reason', () => {
    const plan = planEvacuation(
      'compute-1',
      [
        server('a'),
        server('b', { launchedAt: null, vmState: 'building' }),
        server('c', { vmState: 'paused' }),
        server('d', { vmState: 'stopped' }),
        server('e', { vmState: 'error' }),
        server('f', { taskState: 'migrating' }),
      ],
      evacuable(),
    );
    expect(plan.items.map((i) => i.id).sort()).toEqual(['a', 'd', 'e']);
    expect(Object.fromEntries(plan.skipped.map((s) => [s.id, s.reason]))).toEqual({
      b: 'never launched (vm_state building)',
      c: 'vm_state paused cannot be evacuated',
      f: 'a task is in progress (migrating)',
    });
  });

  test('tagged mode keeps only marked instances (flavor extra spec, metadata, image property)', () => {
    const cfg = evacuable({
      mode: 'tagged',
      flavorExtraSpec: 'evacuable=true',
      serverMetadata: 'ha=on',
      imageProperty: 'os_ha=yes',
    });
    const plan = planEvacuation(
      'compute-1',
      [
        server('a', { flavorExtraSpecs: { evacuable: 'true' } }),
        server('b', { metadata: { ha: 'on' } }),
        server('c', { imageId: 'img-ha' }),
        server('d'),
      ],
      cfg,
      { images: new Map([['img-ha', { id: 'img-ha', properties: { os_ha: 'yes' }, tags: [] }]]) },
    );
    expect(plan.items.map((i) => i.id).sort()).toEqual(['a', 'b', 'c']);
    expect(plan.skipped.map((s) => s.id)).toEqual(['d']);
  });

  test('priority metadata orders the plan, highest first', () => {
    const plan = planEvacuation(
      'compute-1',
      [
        server('a'),
        server('b', { metadata: { 'freezer-dr:priority': '10' } }),
        server('c', { metadata: { 'freezer-dr:priority': '5' } }),
      ],
      evacuable(),
    );
    expect(plan.items.map((i) => i.id)).toEqual(['b', 'c', 'a']);
  });
});
