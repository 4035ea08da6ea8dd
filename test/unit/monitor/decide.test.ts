import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../../../lib/config/index.js';
import { decide, type HostSignal } from '../../../lib/monitor/index.js';
import type { Observation } from '../../../lib/incidents/index.js';

const config = parseConfig({
  cloud: { from: 'env' },
  monitor: {
    // These cases are about Nova's signal and the gates; the second signal has its own file.
    confirmation: 'nova-only',
    staleAfterSeconds: 30,
    graceSeconds: 20,
    gates: { maxFailedHosts: 1, maxFailedPercent: 50, allStalePercent: 75 },
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
const six = () => ['compute-1', 'compute-2', 'compute-3', 'compute-4', 'compute-5', 'compute-6'].map((h) => host(h));
const run = (
  signals: HostSignal[],
  observations: Observation[] = [],
  extra: { open?: string[]; paused?: boolean; serverDate?: Date; localNow?: Date } = {},
) =>
  decide({
    observed: { ok: true, signals, serverDate: extra.serverDate ?? T },
    localNow: extra.localNow ?? T,
    observations,
    openIncidents: new Set(extra.open ?? []),
    paused: extra.paused ?? false,
    config,
  });

describe('monitor decisions', () => {
  test('all fresh heartbeats: healthy, nothing to do', () => {
    const { decision } = run(six());
    expect(decision.hosts.every((h) => h.verdict === 'healthy')).toBe(true);
    expect(decision.recover).toEqual([]);
  });

  test('a stale host is only a suspect until the grace period has passed', () => {
    const signals = six();
    signals[0] = host('compute-1', { updatedAt: ago(45) });
    const first = run(signals);
    expect(first.decision.hosts[0]!.verdict).toBe('suspect');
    expect(first.decision.recover).toEqual([]);
    // The grace period survives between passes through the stored observations.
    const later = run(signals, first.observations, { serverDate: new Date(T.getTime() + 25_000) });
    expect(later.decision.hosts[0]!.verdict).toBe('failed');
    expect(later.decision.recover).toHaveLength(1);
    expect(later.decision.recover[0]!.host).toBe('compute-1');
  });

  test('the incident id is the same on every pass of one episode (S4)', () => {
    const signals = six();
    signals[0] = host('compute-1', { state: 'down', updatedAt: ago(90) });
    const a = run(signals, [{ host: 'compute-1', suspectSince: ago(60), lastSeenAt: ago(10), lastState: 'down' }]);
    // One minute later: the other hosts kept heartbeating, compute-1 did not.
    const later = signals.map((s) =>
      s.host === 'compute-1' ? s : { ...s, updatedAt: new Date(T.getTime() + 55_000).toISOString() },
    );
    const b = run(later, a.observations, { serverDate: new Date(T.getTime() + 60_000) });
    expect(a.decision.recover[0]!.incidentId).toBe(b.decision.recover[0]!.incidentId);
  });

  test("heartbeat age is read against Nova's Date header, not our clock", () => {
    const signals = six();
    // Our clock is 10 minutes ahead: judged by it, every host would look dead.
    const { decision } = run(signals, [], { localNow: new Date(T.getTime() + 600_000) });
    expect(decision.clock).toBe('server');
    expect(decision.hosts.every((h) => h.verdict === 'healthy')).toBe(true);
  });

  test('forced-down, disabled and excluded hosts are never recovered', () => {
    const signals = six();
    signals[0] = host('compute-1', { state: 'down', forcedDown: true, updatedAt: ago(600) });
    signals[1] = host('compute-2', {
      state: 'down',
      status: 'disabled',
      updatedAt: ago(600),
      disabledReason: 'maintenance',
    });
    const { decision } = run(signals, []);
    expect(decision.hosts.map((h) => h.verdict).slice(0, 2)).toEqual(['fenced', 'disabled']);
    expect(decision.recover).toEqual([]);
  });

  test('observer gate: an unobservable cloud fences nothing and keeps grace state', () => {
    const obs: Observation[] = [{ host: 'compute-1', suspectSince: ago(100), lastSeenAt: ago(5), lastState: 'down' }];
    const out = decide({
      observed: { ok: false, error: { name: 'ApiUnreachableError', message: 'timed out' } },
      localNow: T,
      observations: obs,
      openIncidents: new Set(),
      paused: false,
      config,
    });
    expect(out.decision.gates.map((g) => g.gate)).toEqual(['observer']);
    expect(out.decision.recover).toEqual([]);
    expect(out.observations).toEqual(obs);
  });

  test('all-stale gate: most services stale at once is a control-plane problem', () => {
    const signals = six().map((s) => ({ ...s, updatedAt: ago(120), state: 'down' as const }));
    const prior = signals.map((s) => ({ host: s.host, suspectSince: ago(100), lastSeenAt: ago(1), lastState: 'down' }));
    const { decision } = run(signals, prior);
    expect(decision.gates.map((g) => g.gate)).toContain('all-stale');
    expect(decision.recover).toEqual([]);
  });

  test('storm gate: two failures with a limit of one fences nothing', () => {
    const signals = six();
    signals[0] = host('compute-1', { state: 'down', updatedAt: ago(120) });
    signals[1] = host('compute-2', { state: 'down', updatedAt: ago(120) });
    const prior = ['compute-1', 'compute-2'].map((h) => ({
      host: h,
      suspectSince: ago(100),
      lastSeenAt: ago(1),
      lastState: 'down',
    }));
    const { decision } = run(signals, prior);
    expect(decision.gates.map((g) => g.gate)).toEqual(['storm']);
    expect(decision.recover).toEqual([]);
  });

  // Issue 12: this used to count every forced-down host with no time limit, so one recovered
  // host out for repair held every later recovery with the default maxFailedHosts of 1.
  test('storm gate: a host recovered earlier and out for repair does not count', () => {
    const signals = six();
    signals[0] = host('compute-1', { state: 'down', forcedDown: true, updatedAt: ago(900) });
    signals[1] = host('compute-2', { state: 'down', updatedAt: ago(120) });
    const { decision } = run(signals, [
      { host: 'compute-2', suspectSince: ago(100), lastSeenAt: ago(1), lastState: 'down' },
    ]);
    expect(decision.gates).toEqual([]);
    expect(decision.recover.map((r) => r.host)).toEqual(['compute-2']);
  });

  test('storm gate counts a recovery that ended within the window', () => {
    const signals = six();
    signals[0] = host('compute-1', { state: 'down', forcedDown: true, updatedAt: ago(900) });
    signals[1] = host('compute-2', { state: 'down', updatedAt: ago(120) });
    const { decision } = decide({
      observed: { ok: true, signals, serverDate: T },
      localNow: T,
      observations: [{ host: 'compute-2', suspectSince: ago(100), lastSeenAt: ago(1), lastState: 'down' }],
      openIncidents: new Set(),
      paused: false,
      config,
      recent: [{ host: 'compute-1', incidentId: 'inc-compute-1-x', status: 'resolved', closedAt: ago(120) }],
    });
    expect(decision.gates.map((g) => g.gate)).toEqual(['storm']);
    expect(decision.gates[0]!.reason).toMatch(/1 recovered or in recovery within 600 s \(compute-1\)/);
    expect(decision.recover).toEqual([]);
  });

  test('storm gate counts suspects: a second host going stale inside its grace stops the first from being fenced alone', () => {
    const signals = six();
    signals[0] = host('compute-1', { state: 'down', updatedAt: ago(120) });
    signals[1] = host('compute-2', { updatedAt: ago(40) });
    const { decision } = run(signals, [
      { host: 'compute-1', suspectSince: ago(100), lastSeenAt: ago(1), lastState: 'down' },
    ]);
    expect(decision.hosts[1]!.verdict).toBe('suspect');
    expect(decision.gates.map((g) => g.gate)).toEqual(['storm']);
    expect(decision.gates[0]!.hosts).toEqual(['compute-1', 'compute-2']);
    expect(decision.gates[0]!.reason).toMatch(
      /^1 new failure\(s\) \(compute-1\) \+ 1 suspect \(compute-2\) \+ 0 recovered or in recovery within 600 s = 2 of 6 hosts/,
    );
    expect(decision.recover).toEqual([]);
  });

  test('in-flight gate: a host with an open incident is not started twice (S4)', () => {
    const signals = six();
    signals[0] = host('compute-1', { state: 'down', updatedAt: ago(120) });
    const { decision } = run(
      signals,
      [{ host: 'compute-1', suspectSince: ago(100), lastSeenAt: ago(1), lastState: 'down' }],
      { open: ['compute-1'] },
    );
    expect(decision.hosts[0]!.verdict).toBe('in-flight');
    expect(decision.recover).toEqual([]);
  });

  test('pause switch: detect and report only', () => {
    const signals = six();
    signals[0] = host('compute-1', { state: 'down', updatedAt: ago(120) });
    const { decision } = run(
      signals,
      [{ host: 'compute-1', suspectSince: ago(100), lastSeenAt: ago(1), lastState: 'down' }],
      { paused: true },
    );
    expect(decision.gates.map((g) => g.gate)).toEqual(['paused']);
    expect(decision.recover).toEqual([]);
  });
});

describe('monitor decisions without a Date header (Debian uwsgi nova-api)', () => {
  const noDate = (
    signals: HostSignal[],
    localNow: Date,
    observations: Observation[] = [],
    mode: 'freshest-heartbeat' | 'local-clock' = 'freshest-heartbeat',
  ) =>
    decide({
      observed: { ok: true, signals },
      localNow,
      observations,
      openIncidents: new Set(),
      paused: false,
      config: { ...config, withoutDateHeader: mode },
    });

  test('ages are read against the freshest heartbeat: our clock 10 min ahead invents no failure', () => {
    const signals = six().map((s, i) => ({ ...s, updatedAt: ago(i) }));
    const { decision } = noDate(signals, new Date(T.getTime() + 600_000));
    expect(decision.clock).toBe('heartbeat');
    expect(decision.hosts.map((h) => h.heartbeatAgeSeconds)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(decision.hosts.every((h) => h.verdict === 'healthy')).toBe(true);
    expect(decision.gates).toEqual([]);
  });

  test('our clock 10 min behind still detects a dead host, and grace runs on our clock', () => {
    const signals = six();
    signals[0] = host('compute-1', { updatedAt: ago(45) });
    const behind = new Date(T.getTime() - 600_000);
    const first = noDate(signals, behind);
    expect(first.decision.hosts[0]).toMatchObject({ verdict: 'suspect', heartbeatAgeSeconds: 40 });
    const later = noDate(signals, new Date(behind.getTime() + 21_000), first.observations);
    expect(later.decision.hosts[0]!.verdict).toBe('failed');
    expect(later.decision.recover.map((r) => r.host)).toEqual(['compute-1']);
  });

  test('when every heartbeat stops, grace still runs out: Nova\'s "down" reaches the all-stale gate', () => {
    const signals = six().map((s) => ({ ...s, state: 'down' as const, updatedAt: ago(100) }));
    const first = noDate(signals, T);
    expect(first.decision.hosts.every((h) => h.verdict === 'suspect')).toBe(true);
    const later = noDate(signals, new Date(T.getTime() + 30_000), first.observations);
    expect(later.decision.gates.map((g) => g.gate)).toEqual(['all-stale']);
    expect(later.decision.recover).toEqual([]);
  });

  describe("a bound of the cloud's time carried from the last pass (computes heartbeating in phase)", () => {
    // Every compute reported at the same second, then compute-1 died: the freshest heartbeat stands still.
    const inPhase = () => six().map((s) => ({ ...s, updatedAt: ago(0) }));
    const carried = (floorMs: number, signals = inPhase()) =>
      decide({
        observed: { ok: true, signals },
        localNow: T,
        observations: [],
        openIncidents: new Set(),
        paused: false,
        config: { ...config, withoutDateHeader: 'freshest-heartbeat' },
        cloudTimeFloor: floorMs,
      });

    test('ages move on with the time passed since, instead of waiting for the next heartbeat', () => {
      const { decision, ageReference } = carried(T.getTime() + 12_000);
      expect(decision.clock).toBe('heartbeat');
      expect(decision.hosts.map((h) => h.heartbeatAgeSeconds)).toEqual([12, 12, 12, 12, 12, 12]);
      expect(ageReference).toEqual({ ms: T.getTime() + 12_000, source: 'heartbeat' });
    });

    test('it is cut to the whole second, the resolution Nova writes heartbeats in: ages never read past what Nova would', () => {
      // compute-1 reported at T+0.999 (printed T), the freshest at T+1.0; 1.9 s after T the cloud is at T+1.9.
      const signals = inPhase().map((s, i) =>
        i === 0 ? s : { ...s, updatedAt: new Date(T.getTime() + 1000).toISOString() },
      );
      const { decision, ageReference } = carried(T.getTime() + 1_900, signals);
      expect(ageReference?.ms).toBe(T.getTime() + 1000);
      expect(decision.hosts[0]!.heartbeatAgeSeconds).toBe(1);
    });

    test('a floor behind the freshest heartbeat changes nothing', () => {
      const { decision } = carried(T.getTime() - 60_000);
      expect(decision.hosts.every((h) => h.heartbeatAgeSeconds === 0)).toBe(true);
    });

    test('it never runs more than staleAfterSeconds past the freshest heartbeat: the freshest host never turns stale by age', () => {
      const { decision } = carried(T.getTime() + 3_600_000);
      expect(decision.hosts.map((h) => h.heartbeatAgeSeconds)).toEqual([30, 30, 30, 30, 30, 30]);
      expect(decision.hosts.every((h) => h.verdict === 'healthy')).toBe(true);
      expect(decision.gates).toEqual([]);
    });

    test('a Date header wins over any carried bound', () => {
      const { decision } = decide({
        observed: { ok: true, signals: inPhase(), serverDate: T },
        localNow: T,
        observations: [],
        openIncidents: new Set(),
        paused: false,
        config,
        cloudTimeFloor: T.getTime() + 20_000,
      });
      expect(decision.clock).toBe('server');
      expect(decision.hosts.every((h) => h.heartbeatAgeSeconds === 0)).toBe(true);
    });
  });

  test('local-clock reads ages against our clock, as asked', () => {
    const { decision } = noDate(six(), new Date(T.getTime() + 600_000), [], 'local-clock');
    expect(decision.clock).toBe('local');
    expect(decision.hosts.every((h) => h.heartbeatAgeSeconds! > 600)).toBe(true);
  });

  test('no heartbeat at all: the local clock, said so', () => {
    const { decision } = noDate(
      six().map((s) => ({ ...s, updatedAt: null })),
      T,
    );
    expect(decision.clock).toBe('local');
    expect(decision.hosts.every((h) => h.heartbeatAgeSeconds === null)).toBe(true);
  });
});
