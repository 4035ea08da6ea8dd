import { describe, expect, test } from '@jest/globals';
import { assessEvacuation } from '../../../lib/evacuation/index.js';
import type { Migration, Server } from '../../../lib/openstack/index.js';

const server = (over: Partial<Server> = {}): Server => ({
  id: 'i1',
  name: 'vm',
  status: 'ACTIVE',
  projectId: 'p',
  userId: 'u',
  host: 'compute-1',
  vmState: 'active',
  taskState: null,
  launchedAt: 'x',
  metadata: {},
  imageId: null,
  flavorName: null,
  flavorExtraSpecs: {},
  fault: null,
  locked: null,
  ...over,
});
const mig = (id: number, status: string): Migration => ({
  id,
  uuid: null,
  sourceCompute: 'compute-1',
  destCompute: 'compute-2',
  status,
  type: 'evacuation',
  instanceId: 'i1',
  createdAt: 'x',
  updatedAt: null,
});

describe('assessEvacuation (S5: never evacuate twice)', () => {
  test('nothing in flight: ready to send', () => {
    expect(assessEvacuation(server(), 'compute-1', [], 0, false)).toEqual({ kind: 'ready' });
  });
  test('a migration in flight means wait, never re-send', () => {
    expect(
      assessEvacuation(
        server({ status: 'REBUILD', taskState: 'rebuilding' }),
        'compute-1',
        [mig(1, 'accepted')],
        0,
        true,
      ).kind,
    ).toBe('in-progress');
    expect(assessEvacuation(server(), 'compute-1', [mig(1, 'pre-migrating')], 0, true).kind).toBe('in-progress');
  });
  test('an in-flight evacuation started by someone else is not re-sent either', () => {
    expect(assessEvacuation(server(), 'compute-1', [mig(1, 'accepted')], 0, false).kind).toBe('in-progress');
  });
  test('ACTIVE on the old host is not done yet, even with task_state null', () => {
    expect(assessEvacuation(server(), 'compute-1', [mig(1, 'done')], 0, true).kind).toBe('in-progress');
  });
  test('ACTIVE on another host is evacuated', () => {
    expect(assessEvacuation(server({ host: 'compute-3' }), 'compute-1', [mig(1, 'done')], 0, true)).toEqual({
      kind: 'evacuated',
      targetHost: 'compute-3',
    });
  });
  test("NoValidHost: failed with Nova's fault message", () => {
    expect(
      assessEvacuation(
        server({ vmState: 'error', status: 'ERROR', fault: 'No valid host was found.' }),
        'compute-1',
        [mig(1, 'error')],
        0,
        true,
      ),
    ).toEqual({ kind: 'failed', reason: 'No valid host was found.', migrationStatus: 'error' });
  });
  test('migrations of an earlier incident do not count', () => {
    expect(assessEvacuation(server({ vmState: 'error' }), 'compute-1', [mig(1, 'error')], 1, false)).toEqual({
      kind: 'ready',
    });
  });
});
