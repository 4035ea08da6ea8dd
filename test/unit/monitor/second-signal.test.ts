import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../../../lib/config/index.js';
import { aggregateLimits, decide, type HostSignal, type SecondObserved } from '../../../lib/monitor/index.js';
import type { Observation } from '../../../lib/incidents/index.js';

const monitor = (extra: Record<string, unknown> = {}) =>
  parseConfig({
    cloud: { from: 'env' },
    monitor: {
      secondSignal: { driver: 'prometheus', url: 'http://127.0.0.1:9090' },
      staleAfterSeconds: 30,
      graceSeconds: 20,
      ...extra,
    },
  }).monitor;
const T = new Date('2026-11-25T10:00:00Z');
const ago = (s: number) => new Date(T.getTime() - s * 1000).toISOString();
const host = (name: string, over: Partial<HostSignal> = {}): HostSignal => ({
  host: name,
  serviceId: `id-${name}`,
  status: 'enabled',
  state: 'up',
  forcedDown: false,
  updatedAt: ago(5),
  disabledReason: null,
  ...over,
});
const names = (n: number) => Array.from({ length: n }, (_, i) => `compute-${i + 1}`);
const down = (name: string) => host(name, { state: 'down', updatedAt: ago(120) });
const suspectFor = (h: string, s = 100): Observation => ({
  host: h,
  suspectSince: ago(s),
  lastSeenAt: ago(1),
  lastState: 'down',
});
const reading = (hosts: string[], dark: string[] = [], unknown: string[] = []): SecondObserved => ({
  ok: true,
  source: 'prometheus test',
  hosts: Object.fromEntries(
    hosts.map((h) => [
      h,
      unknown.includes(h)
        ? { reachability: 'unknown', detail: 'no series' }
        : dark.includes(h)
          ? { reachability: 'unreachable', detail: 'up=0' }
          : { reachability: 'alive', detail: 'up=1' },
    ]),
  ),
});
type Extra = Partial<Parameters<typeof decide>[0]>;
const run = (
  signals: HostSignal[],
  second: SecondObserved | null,
  observations: Observation[] = [],
  extra: Extra = {},
) =>
  decide({
    observed: { ok: true, signals, serverDate: T },
    localNow: T,
    observations,
    openIncidents: new Set(),
    paused: false,
    config: monitor(),
    second,
    ...extra,
  });

describe('confirmation by a second signal', () => {
  test('storm gate: a host the second signal lost while Nova still hears it counts, so hosts dying together are held at once', () => {
    // compute-1 is already failed; compute-2 died at the same moment but its heartbeat is not stale yet.
    const signals = names(6).map((h) => (h === 'compute-1' ? down(h) : host(h)));
    const config = monitor({ graceSeconds: 0 });
    const { decision } = run(signals, reading(names(6), ['compute-1', 'compute-2']), [suspectFor('compute-1')], {
      config,
    });
    expect(decision.recover).toEqual([]);
    expect(decision.gates[0]).toMatchObject({ gate: 'storm', hosts: ['compute-1', 'compute-2'] });
    expect(decision.gates[0]!.reason).toMatch(/1 dark on the second signal \(compute-2\)/);
    // Alone, the same failure is recovered.
    const alone = run(signals, reading(names(6), ['compute-1']), [suspectFor('compute-1')], { config });
    expect(alone.decision.recover.map((r) => r.host)).toEqual(['compute-1']);
  });

  test('both signals agree: failed after grace, and the grace starts when they agree', () => {
    const signals = names(6).map((h) => (h === 'compute-1' ? down(h) : host(h)));
    const first = run(signals, reading(names(6), ['compute-1']));
    expect(first.decision.hosts[0]).toMatchObject({ verdict: 'suspect', suspectForSeconds: 0, graceSeconds: 20 });
    const later = run(signals, reading(names(6), ['compute-1']), first.observations, {
      observed: { ok: true, signals, serverDate: new Date(T.getTime() + 25_000) },
    });
    expect(later.decision.hosts[0]!.verdict).toBe('failed');
    expect(later.decision.recover.map((r) => r.host)).toEqual(['compute-1']);
    expect(later.decision.recover[0]!.reason).toMatch(/second signal: up=0/);
  });

  test('Nova says down but the host answers: never fenced, however long, and the admins get news', () => {
    const signals = names(6).map((h) => (h === 'compute-1' ? down(h) : host(h)));
    // Fresh: no news yet (a dying host's second signal goes dark a scrape after Nova's heartbeat).
    const fresh = run(signals, reading(names(6)), [suspectFor('compute-1', 3600)]);
    expect(fresh.decision.hosts[0]!.verdict).toBe('host-answers');
    expect(fresh.decision.gates).toEqual([]);
    const { decision, observations } = run(signals, reading(names(6)), fresh.observations, {
      observed: { ok: true, signals, serverDate: new Date(T.getTime() + 21_000) },
    });
    expect(decision.hosts[0]!.verdict).toBe('host-answers');
    expect(decision.hosts[0]!.reason).toMatch(/check nova-compute and RabbitMQ/);
    expect(decision.recover).toEqual([]);
    expect(decision.gates).toEqual([
      expect.objectContaining({
        gate: 'host-answers',
        hosts: ['compute-1'],
        blocking: false,
        key: 'host-answers:compute-1',
      }),
    ]);
    // Grace restarts once both agree: a long nova-compute hang is no head start towards a fence.
    expect(observations[0]!.suspectSince).toBeNull();
  });

  test('no reading for a host (no series): unconfirmed, not fenced', () => {
    const signals = names(6).map((h) => (h === 'compute-1' ? down(h) : host(h)));
    const { decision } = run(signals, reading(names(6), [], ['compute-1']), [suspectFor('compute-1')]);
    expect(decision.hosts[0]!.verdict).toBe('unconfirmed');
    expect(decision.gates).toEqual([
      expect.objectContaining({ gate: 'unconfirmed', hosts: ['compute-1'], blocking: false }),
    ]);
    expect(decision.recover).toEqual([]);
  });

  test('second source unreachable: observer gate, nothing fenced on Nova alone', () => {
    const signals = names(6).map((h) => (h === 'compute-1' ? down(h) : host(h)));
    const { decision } = run(
      signals,
      {
        ok: false,
        source: 'prometheus http://x',
        error: { name: 'SecondSignalUnreachableError', message: 'ECONNREFUSED' },
      },
      [suspectFor('compute-1')],
    );
    expect(decision.gates.map((g) => g.gate)).toEqual(['observer']);
    expect(decision.gates[0]!.reason).toMatch(/SecondSignalUnreachableError.*Nova's word alone/);
    expect(decision.hosts[0]!.verdict).toBe('unconfirmed');
    expect(decision.recover).toEqual([]);
  });

  test('the default policy without a second signal configured fences nothing and says how to fix it', () => {
    const signals = names(6).map((h) => (h === 'compute-1' ? down(h) : host(h)));
    const config = parseConfig({ cloud: { from: 'env' }, monitor: { graceSeconds: 0 } }).monitor;
    const { decision } = run(signals, null, [suspectFor('compute-1')], { config });
    expect(config.confirmation).toBe('second-signal');
    expect(decision.gates.map((g) => g.gate)).toEqual(['no-second-signal']);
    expect(decision.gates[0]!.reason).toMatch(/nova-only/);
    expect(decision.recover).toEqual([]);
  });

  test('partition guard: a cliff on the second signal fences nothing that pass', () => {
    const signals = names(6).map((h) => (h === 'compute-1' ? down(h) : host(h)));
    const dark = ['compute-1', 'compute-2', 'compute-3', 'compute-4'];
    const { decision } = run(signals, reading(names(6), dark), [suspectFor('compute-1')]);
    expect(decision.gates.map((g) => g.gate)).toContain('partition');
    expect(decision.gates.find((g) => g.gate === 'partition')!.reason).toMatch(/4 of 6 enabled hosts \(67%/);
    expect(decision.recover).toEqual([]);
  });

  test('hosts out for repair are dark too, and are no cliff', () => {
    const signals = names(6).map((h) =>
      h === 'compute-1'
        ? down(h)
        : ['compute-2', 'compute-3', 'compute-4'].includes(h)
          ? host(h, { forcedDown: true, state: 'down', status: 'disabled' })
          : host(h),
    );
    const dark = ['compute-1', 'compute-2', 'compute-3', 'compute-4'];
    const { decision } = run(signals, reading(names(6), dark), [suspectFor('compute-1')]);
    expect(decision.gates).toEqual([]);
    expect(decision.recover.map((r) => r.host)).toEqual(['compute-1']);
  });
});

describe('gates', () => {
  test('all-stale counts only enabled hosts: 8 healthy disabled hosts + 1 dead do not trip it', () => {
    const signals = names(10).map((h, i) =>
      i === 0 ? down(h) : i <= 8 ? host(h, { status: 'disabled', disabledReason: 'maintenance' }) : host(h),
    );
    const { decision } = run(signals, reading(names(10), ['compute-1']), [suspectFor('compute-1')], {
      config: monitor({ gates: { maxFailedPercent: 100 } }),
    });
    expect(decision.gates).toEqual([]);
    expect(decision.recover.map((r) => r.host)).toEqual(['compute-1']);
  });

  test('all-stale still fires when most enabled hosts look down', () => {
    const signals = names(4).map((h) => down(h));
    const { decision } = run(
      signals,
      reading(names(4), ['compute-1']),
      names(4).map((h) => suspectFor(h)),
      {
        config: monitor({ cliffPercent: 100 }),
      },
    );
    expect(decision.gates.map((g) => g.gate)).toContain('all-stale');
    expect(decision.recover).toEqual([]);
  });

  const twoAggs = aggregateLimits([
    {
      name: 'rack-a',
      availabilityZone: 'az1',
      hosts: ['compute-1', 'compute-2', 'compute-3'],
      metadata: { 'freezer-dr:max_failures': '1' },
    },
    {
      name: 'rack-b',
      availabilityZone: 'az2',
      hosts: ['compute-4', 'compute-5', 'compute-6'],
      metadata: { 'freezer-dr:max_failures': '2' },
    },
  ]);

  test('aggregate limits: an aggregate over its limit holds its hosts; another keeps recovering', () => {
    const signals = names(6).map((h) => (['compute-1', 'compute-2', 'compute-4'].includes(h) ? down(h) : host(h)));
    const { decision } = run(
      signals,
      reading(names(6), ['compute-1', 'compute-2', 'compute-4']),
      ['compute-1', 'compute-2', 'compute-4'].map((h) => suspectFor(h)),
      {
        config: monitor({ gates: { maxFailedHosts: 5, maxFailedPercent: 100 }, cliffPercent: 100 }),
        aggregates: { ok: true, aggregates: twoAggs },
      },
    );
    const gate = decision.gates.find((g) => g.gate === 'aggregate')!;
    expect(gate.reason).toMatch(/aggregate rack-a \(zone az1\): 2 host\(s\) in trouble .*max_failures of 1/);
    expect(gate.hosts).toEqual(['compute-1', 'compute-2']);
    expect(decision.recover.map((r) => r.host)).toEqual(['compute-4']);
  });

  test("aggregate limits: the most restrictive of a host's aggregates applies", () => {
    const aggs = aggregateLimits([
      { name: 'big', availabilityZone: null, hosts: names(6), metadata: { 'freezer-dr:max_failures': '5' } },
      {
        name: 'gpu',
        availabilityZone: null,
        hosts: ['compute-1', 'compute-2'],
        metadata: { 'freezer-dr:max_failures': '0' },
      },
    ]);
    const signals = names(6).map((h) => (h === 'compute-1' ? down(h) : host(h)));
    const { decision } = run(signals, reading(names(6), ['compute-1']), [suspectFor('compute-1')], {
      aggregates: { ok: true, aggregates: aggs },
    });
    expect(decision.gates.map((g) => g.key)).toEqual(['aggregate:gpu']);
    expect(decision.recover).toEqual([]);
  });

  test('a non-numeric max_failures is a clear reason, never a silent default', () => {
    const aggs = aggregateLimits([
      { name: 'rack-a', availabilityZone: null, hosts: ['compute-1'], metadata: { 'freezer-dr:max_failures': 'two' } },
    ]);
    expect(aggs[0]).toMatchObject({ maxFailures: null, invalid: expect.stringMatching(/"two", not a whole number/) });
    const signals = names(6).map((h) => (h === 'compute-1' ? down(h) : host(h)));
    const { decision } = run(signals, reading(names(6), ['compute-1']), [suspectFor('compute-1')], {
      aggregates: { ok: true, aggregates: aggs },
    });
    expect(decision.gates[0]!.reason).toMatch(/rack-a: freezer-dr:max_failures is "two"/);
    expect(decision.recover).toEqual([]);
  });

  test('aggregates that cannot be read fence nothing', () => {
    const signals = names(6).map((h) => (h === 'compute-1' ? down(h) : host(h)));
    const { decision } = run(signals, reading(names(6), ['compute-1']), [suspectFor('compute-1')], {
      aggregates: { ok: false, error: 'ServiceUnavailableError: 503' },
    });
    expect(decision.gates[0]).toMatchObject({ gate: 'aggregate', blocking: true });
    expect(decision.recover).toEqual([]);
  });

  test('pause: the gate says who paused and since when', () => {
    const signals = names(6).map((h) => (h === 'compute-1' ? down(h) : host(h)));
    const { decision } = run(signals, reading(names(6), ['compute-1']), [suspectFor('compute-1')], {
      paused: { paused: true, source: 'store', since: '2026-11-25T09:00:00Z', by: 'alice' },
    });
    expect(decision.gates[0]!.reason).toMatch(/freezer-dr pause by alice at 2026-11-25T09:00:00Z/);
    expect(decision.recover).toEqual([]);
  });
});

describe('after a fence that failed', () => {
  const ff = {
    host: 'compute-1',
    incidentId: 'inc-compute-1-20261125T095000Z',
    closedAt: ago(600),
    error: 'BmcUnreachableError: timed out',
    attempts: 0,
    nextIncidentId: 'inc-compute-1-20261125T095000Z-r1',
  };
  const signals = names(6).map((h) => (h === 'compute-1' ? down(h) : host(h)));

  test('the host is named fence-failed with what to do, not silently skipped', () => {
    const { decision } = run(signals, reading(names(6), ['compute-1']), [suspectFor('compute-1', 900)], {
      fenceFailed: [ff],
    });
    expect(decision.hosts[0]).toMatchObject({ verdict: 'fence-failed', incidentId: ff.incidentId });
    expect(decision.hosts[0]!.reason).toMatch(/fence failed in incident inc-compute-1-.*--confirm-fenced/);
    expect(decision.gates.map((g) => g.gate)).toEqual(['fence-failed']);
    expect(decision.recover).toEqual([]);
  });

  test('bounded re-fence: one more attempt under a new incident id, once the delay has passed', () => {
    const config = monitor({ refence: { maxAttempts: 1, afterSeconds: 300 } });
    const again = run(signals, reading(names(6), ['compute-1']), [suspectFor('compute-1', 900)], {
      fenceFailed: [ff],
      config,
    });
    expect(again.decision.recover.map((r) => r.incidentId)).toEqual([ff.nextIncidentId]);
    const spent = run(signals, reading(names(6), ['compute-1']), [suspectFor('compute-1', 900)], {
      fenceFailed: [{ ...ff, attempts: 1, incidentId: ff.nextIncidentId }],
      config,
    });
    expect(spent.decision.hosts[0]!.verdict).toBe('fence-failed');
    expect(spent.decision.recover).toEqual([]);
  });

  test('a host seen healthy since the failed fence starts a fresh episode', () => {
    const obs = { ...suspectFor('compute-1', 10), lastHealthyAt: ago(60) };
    const { decision } = run(signals, reading(names(6), ['compute-1']), [obs], {
      fenceFailed: [ff],
      config: monitor({ graceSeconds: 0 }),
    });
    expect(decision.hosts[0]!.verdict).toBe('failed');
    expect(decision.recover[0]!.incidentId).not.toBe(ff.incidentId);
  });
});
