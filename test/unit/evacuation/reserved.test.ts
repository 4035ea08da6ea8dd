import { describe, expect, test } from '@jest/globals';
import { ConfigInvalidError, parseConfig } from '../../../lib/config/index.js';
import {
  chooseReservedHost,
  evacuateTarget,
  targetFor,
  type ReservedHostRecord,
} from '../../../lib/evacuation/index.js';
import type { Aggregate, ComputeService } from '../../../lib/openstack/index.js';

const MARKER = 'freezer-dr:reserved';
const configWith = (reservedHosts: object | undefined, extra: object = {}) =>
  parseConfig({ cloud: { from: 'env' }, evacuation: { ...(reservedHosts ? { reservedHosts } : {}), ...extra } });
const reserved = (over: object = {}) => configWith(over).evacuation.reservedHosts!;

const svc = (host: string, over: Partial<ComputeService> = {}): ComputeService => ({
  id: `uuid-${host}`,
  host,
  zone: 'nova',
  status: 'enabled',
  state: 'up',
  forcedDown: false,
  updatedAt: '2026-12-01T00:00:00.000000',
  disabledReason: null,
  ...over,
});
const spare = (host: string, over: Partial<ComputeService> = {}) =>
  svc(host, { status: 'disabled', disabledReason: MARKER, ...over });
const agg = (name: string, hosts: string[], availabilityZone: string | null = null): Aggregate => ({
  id: 1,
  uuid: null,
  name,
  availabilityZone,
  hosts,
  metadata: availabilityZone ? { availability_zone: availabilityZone } : {},
});

// compute-1 has failed (forced down + disabled by freezer-dr, as isolate leaves it).
const failed = svc('compute-1', {
  status: 'disabled',
  forcedDown: true,
  state: 'down',
  disabledReason: 'freezer-dr compute-1-x: fenced 2026-12-01T00:00:00Z',
  zone: 'az-1',
});
const aggregates = [agg('rack-a', ['compute-1', 'compute-2', 'compute-3']), agg('rack-b', ['compute-4', 'compute-5'])];

describe('choosing a reserved host', () => {
  test('byAggregate of the failed host first, then byZone, then hosts and marked hosts sharing an aggregate or zone', () => {
    const services = [
      failed,
      svc('compute-2', { zone: 'az-1' }),
      spare('compute-3', { zone: 'az-1' }),
      spare('compute-4', { zone: 'az-2' }),
      spare('compute-5', { zone: 'az-1' }),
      spare('compute-6', { zone: 'az-1', disabledReason: `spare for rack a (${MARKER})` }),
    ];
    const cfg = reserved({ byAggregate: { 'rack-b': ['compute-4'] }, byZone: { 'az-1': ['compute-5'] } });
    // rack-b's spare stands in only for rack-b; az-1's for az-1.
    expect(chooseReservedHost(cfg, 'compute-1', services, aggregates).chosen).toMatchObject({
      host: 'compute-5',
      serviceId: 'uuid-compute-5',
      matchedBy: 'reservedHosts.byZone["az-1"]',
    });
    const byAgg = reserved({ byAggregate: { 'rack-a': ['compute-3'] }, byZone: { 'az-1': ['compute-5'] } });
    expect(chooseReservedHost(byAgg, 'compute-1', services, aggregates).chosen?.host).toBe('compute-3');
    // Only the marker: the first marked host in the failed host's aggregate.
    expect(chooseReservedHost(reserved(), 'compute-1', services, aggregates).chosen).toMatchObject({
      host: 'compute-3',
      matchedBy: `marked "${MARKER}" in Nova (aggregate rack-a)`,
      disabledReason: MARKER,
    });
    // Zone match when no aggregate is shared.
    const zoneOnly = chooseReservedHost(reserved({ hosts: ['compute-6'] }), 'compute-1', services, []);
    expect(zoneOnly.chosen).toMatchObject({
      host: 'compute-6',
      matchedBy: 'reservedHosts.hosts (availability zone az-1)',
    });
  });

  test('no match: none chosen, with where the failed host is', () => {
    const services = [failed, spare('compute-4', { zone: 'az-2' })];
    const choice = chooseReservedHost(
      reserved({ byAggregate: { 'rack-b': ['compute-4'] } }),
      'compute-1',
      services,
      aggregates,
    );
    expect(choice).toEqual({
      chosen: null,
      rejected: [],
      reason: 'no reserved host matches compute-1 (aggregates: rack-a; zone: az-1)',
    });
  });

  test('S2: the failed host is never chosen, even when the config lists it as a spare', () => {
    const services = [failed, spare('compute-3', { zone: 'az-1' })];
    const cfg = reserved({ byAggregate: { 'rack-a': ['compute-1', 'compute-3'] } });
    const choice = chooseReservedHost(cfg, 'compute-1', services, aggregates);
    expect(choice.chosen?.host).toBe('compute-3');
    expect(choice.rejected).toEqual([{ host: 'compute-1', reason: 'it is the failed host itself' }]);
    // Alone in the list: nothing is chosen.
    const alone = chooseReservedHost(reserved({ hosts: ['compute-1'] }), 'compute-1', [failed], aggregates);
    expect(alone.chosen).toBeNull();
    expect(alone.reason).toContain('compute-1 (it is the failed host itself)');
  });

  test('bad input: unknown, enabled (not reserved), forced down, down, fenced, or disabled for another reason → rejected with why', () => {
    const services = [
      failed,
      svc('compute-2', { zone: 'az-1' }),
      spare('compute-3', { zone: 'az-1', forcedDown: true, state: 'down' }),
      spare('compute-4', { zone: 'az-1', state: 'down' }),
      spare('compute-5', { zone: 'az-1', disabledReason: 'maintenance: new DIMMs' }),
      spare('compute-6', { zone: 'az-1', disabledReason: 'freezer-dr compute-6-y: fenced 2026-11-30T00:00:00Z' }),
    ];
    const cfg = reserved({
      hosts: ['compute-99', 'compute-2', 'compute-3', 'compute-4', 'compute-5', 'compute-6'],
    });
    const choice = chooseReservedHost(cfg, 'compute-1', services, aggregates);
    expect(choice.chosen).toBeNull();
    expect(Object.fromEntries(choice.rejected.map((r) => [r.host, r.reason]))).toEqual({
      'compute-99': 'no nova-compute service named compute-99 in Nova',
      'compute-2': `it is enabled already, so it is not in the reserved pool (disable it with a reason containing "${MARKER}" to reserve it)`,
      'compute-3': 'it is forced down',
      'compute-4': 'its nova-compute is down',
      'compute-5': `it is disabled for another reason ("maintenance: new DIMMs"); only a host disabled with "${MARKER}" in its reason, or with no reason, is used`,
      'compute-6': 'it was fenced by freezer-dr ("freezer-dr compute-6-y: fenced 2026-11-30T00:00:00Z")',
    });
    expect(choice.reason).toMatch(/^no usable reserved host for compute-1: compute-99 \(no nova-compute service/);
  });

  test('a configured spare disabled without a reason is usable', () => {
    const services = [failed, svc('compute-3', { zone: 'az-1', status: 'disabled' })];
    expect(chooseReservedHost(reserved({ hosts: ['compute-3'] }), 'compute-1', services, aggregates).chosen?.host).toBe(
      'compute-3',
    );
  });
});

describe('the config refuses bad reserved-host settings with the path', () => {
  test.each([
    [{ hosts: ['compute 3'] }, 'evacuation.reservedHosts.hosts[0]'],
    [{ byAggregate: { 'rack-a': [] } }, 'evacuation.reservedHosts.byAggregate.rack-a'],
    [{ disabledReasonMarker: 'freezer-dr' }, 'evacuation.reservedHosts.disabledReasonMarker'],
    [{ disabledReasonMarker: 'x' }, 'evacuation.reservedHosts.disabledReasonMarker'],
    [{ mode: 'force' }, 'evacuation.reservedHosts.mode'],
    [{ host: ['compute-3'] }, 'evacuation.reservedHosts'],
  ])('%j', (bad, path) => {
    let err: unknown;
    try {
      configWith(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigInvalidError);
    expect(String((err as Error).message)).toContain(path);
  });

  test('postFenceDelaySeconds: a whole number of seconds, 0 by default', () => {
    expect(configWith(undefined).evacuation.postFenceDelaySeconds).toBe(0);
    expect(() => configWith(undefined, { postFenceDelaySeconds: -1 })).toThrow(/postFenceDelaySeconds/);
    expect(() => configWith(undefined, { postFenceDelaySeconds: 1.5 })).toThrow(/postFenceDelaySeconds/);
  });
});

describe('where an evacuation is sent', () => {
  const rec = (over: Partial<ReservedHostRecord>): ReservedHostRecord => ({
    host: 'compute-3',
    serviceId: 'uuid-compute-3',
    mode: 'target',
    matchedBy: 'x',
    status: 'enabled',
    reason: null,
    originalReason: MARKER,
    rejected: [],
    preexisting: [],
    landed: [],
    enabledAt: 'x',
    releasedAt: null,
    ...over,
  });

  test('target mode: the enabled reserved host; scheduler mode: nobody (not even targetHost); otherwise targetHost', () => {
    const target = configWith({ mode: 'target' }, { targetHost: 'compute-9' });
    const scheduler = configWith({ mode: 'scheduler' }, { targetHost: 'compute-9' });
    expect(targetFor(target, rec({}))).toBe('compute-3');
    expect(targetFor(scheduler, rec({ mode: 'scheduler' }))).toBeUndefined();
    // Not enabled by us (none matched, the enable failed, or not yet): the usual target.
    for (const status of ['none', 'enable-failed', 'enabling'] as const)
      expect([status, targetFor(target, rec({ status }))]).toEqual([status, 'compute-9']);
    expect(targetFor(target, null)).toBe('compute-9');
    expect(targetFor(configWith(undefined), rec({}))).toBeUndefined();
  });

  test('the incident is read only when reserved hosts are configured', async () => {
    let reads = 0;
    const read = async () => (reads++, { reservedHost: rec({}) });
    expect(await evacuateTarget(configWith(undefined, { targetHost: 'compute-9' }), read)).toBe('compute-9');
    expect(reads).toBe(0);
    expect(await evacuateTarget(configWith({ mode: 'target' }), read)).toBe('compute-3');
    expect(reads).toBe(1);
  });
});
