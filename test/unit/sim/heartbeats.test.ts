import { describe, expect, test } from '@jest/globals';
import { createFaults } from '../../../lib/sim/faults.js';
import { crashCompute, lastSeenUp, serviceIsUp, serviceUpdatedAt, startCompute } from '../../../lib/sim/hosts.js';
import { resolveOptions } from '../../../lib/sim/options.js';
import { defaultSeed } from '../../../lib/sim/seed.js';
import { computeService, createState, getHost } from '../../../lib/sim/state.js';
import { createTimers } from '../../../lib/sim/timers.js';

function fixture() {
  let now = Date.UTC(2026, 10, 25, 3, 43, 18);
  const clock = { now: () => now };
  const opts = resolveOptions({ hosts: 2, reportIntervalMs: 1000, serviceDownTimeMs: 6000 });
  const state = createState({
    opts,
    clock,
    faults: createFaults(opts.hosts),
    timers: createTimers(),
    seed: defaultSeed(opts.hosts),
  });
  return { state, advance: (ms: number) => (now += ms), now: () => now };
}

describe('heartbeats', () => {
  test('a running compute reported at the last multiple of report_interval', () => {
    const { state, advance, now } = fixture();
    const host = getHost(state, 'compute-1');
    advance(2500);
    expect(now() - lastSeenUp(state, host)).toBe(500);
  });

  test('a crash freezes last_seen_up; down only once service_down_time has passed', () => {
    const { state, advance } = fixture();
    const host = getHost(state, 'compute-1');
    const svc = computeService(state, 'compute-1')!;
    advance(1200);
    crashCompute(state, host);
    const frozen = lastSeenUp(state, host);
    advance(5700);
    expect(serviceIsUp(state, svc)).toBe(true);
    advance(200);
    expect(serviceIsUp(state, svc)).toBe(false);
    expect(lastSeenUp(state, host)).toBe(frozen);
  });

  test('an API edit bumps updated_at but does not make a dead service up', () => {
    const { state, advance, now } = fixture();
    const svc = computeService(state, 'compute-2')!;
    crashCompute(state, getHost(state, 'compute-2'));
    advance(10_000);
    svc.editedAt = now();
    expect(serviceUpdatedAt(state, svc)).toBe(now());
    expect(serviceIsUp(state, svc)).toBe(false);
  });

  test('forced_down is down even while heartbeating; start-up cleans up done evacuations', () => {
    const { state } = fixture();
    const svc = computeService(state, 'compute-1')!;
    svc.forcedDown = true;
    expect(serviceIsUp(state, svc)).toBe(false);
    state.migrations.push({
      id: 1,
      uuid: 'u',
      instanceUuid: 'i',
      migrationType: 'evacuation',
      sourceCompute: 'compute-1',
      sourceNode: 'compute-1',
      destCompute: 'compute-2',
      destNode: 'compute-2',
      destHost: null,
      status: 'done',
      flavorId: '1',
      userId: 'x',
      projectId: 'y',
      createdAt: 0,
      updatedAt: 0,
    });
    const host = getHost(state, 'compute-1');
    host.pendingCleanup.add('i');
    crashCompute(state, host);
    startCompute(state, host);
    expect(state.migrations[0]!.status).toBe('completed');
    expect(host.pendingCleanup.size).toBe(0);
  });
});
