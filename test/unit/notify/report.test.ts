import { describe, expect, test } from '@jest/globals';
import { buildReport, reportKind } from '../../../lib/notify/report.js';
import { formatDuration, formatInstant, safeTimeZone } from '../../../lib/notify/time.js';
import { at, instance, sampleEvents, sampleIncident } from './fixtures.js';

describe('reportKind', () => {
  test('a terminal status wins', () => {
    for (const s of ['resolved', 'partial', 'timed-out', 'fence-failed', 'failed', 'dry-run'] as const)
      expect(reportKind(sampleIncident({ status: s }), [])).toBe(s);
  });
  test('otherwise it is read from the incident and its instances', () => {
    expect(reportKind(sampleIncident({ status: 'notifying' }), [instance('i-1')])).toBe('resolved');
    expect(
      reportKind(sampleIncident({ status: 'notifying' }), [instance('i-1'), instance('i-2', { outcome: 'timeout' })]),
    ).toBe('partial');
    expect(
      reportKind(sampleIncident({ status: 'fencing', fence: null, error: { name: 'BmcAuthError', message: 'x' } }), []),
    ).toBe('fence-failed');
    expect(reportKind(sampleIncident({ status: 'evacuating', error: { name: 'X', message: 'y' } }), [])).toBe('failed');
  });
});

describe('buildReport', () => {
  const report = buildReport(
    {
      incident: sampleIncident({ status: 'partial' }),
      instances: [
        instance('i-a', { startedAt: at(45), finishedAt: at(75) }),
        instance('i-b', {
          outcome: 'failed',
          targetHost: null,
          reason: 'No valid host was found.',
          startedAt: at(50),
          finishedAt: at(55),
        }),
        instance('i-c', {
          outcome: 'skipped',
          targetHost: null,
          reason: 'stopped and not evacuable',
          startedAt: null,
          finishedAt: null,
        }),
      ],
      events: [...sampleEvents(), { at: at(41), step: 'gate', message: 'storm gate passed', instanceId: null }],
    },
    { timeZone: 'America/New_York' },
  );

  test('durations between the steps', () => {
    expect(report.durations).toEqual([
      { label: 'Detected → power-off confirmed', value: '38 s' },
      { label: 'Power-off confirmed → host isolated', value: '2.0 s' },
      { label: 'Evacuations (first request → last end)', value: '30 s' },
      { label: 'Detected → last instance recovered', value: '1 min 15 s' },
      { label: 'Whole incident', value: '2 min 00 s' },
    ]);
  });

  test('times in the configured zone', () => {
    expect(report.detectedAt).toBe('2025-03-04 09:05:00 EST');
    expect(report.timeline[0]!.time).toBe('09:05:30');
  });

  test('failed instances first, with the reason; counts', () => {
    expect(report.instances.map((i) => i.outcome)).toEqual(['failed', 'evacuated', 'skipped']);
    expect(report.instances[0]!.reason).toBe('No valid host was found.');
    expect(report.counts).toEqual({ total: 3, evacuated: 1, failed: 1, timeout: 0, skipped: 1, unfinished: 0 });
    expect(report.gates.map((g) => g.message)).toEqual(['storm gate passed']);
  });

  test('the chart: one bar per step and per instance, on one time axis', () => {
    const rows = report.chart.rows;
    expect(rows.map((r) => r.label)).toEqual(['detect', 'gate', 'fence', 'isolate', 'plan', 'evacuate', 'a', 'b', 'c']);
    for (const r of rows) expect(r.offsetPct + r.widthPct + r.restPct).toBe(100);
    const detect = rows[0]!;
    expect(detect).toMatchObject({ offsetPct: 0, widthPct: 40, duration: '30 s' }); // 0..30 s of 75 s
    const a = rows.find((r) => r.label === 'a')!;
    expect(a).toMatchObject({ indent: true, offsetPct: 60, widthPct: 40, colour: '#15803d', duration: '30 s' });
    expect(a.ascii).toHaveLength(40);
    const c = rows.find((r) => r.label === 'c')!;
    expect(c).toMatchObject({ hasBar: false, duration: 'skipped: stopped and not evacuable' });
    expect(report.chart.ticks).toEqual(['09:05:00', '+19s', '+38s', '+56s', '+1m15s']);
  });

  test('fence-failed commands include the operator recovery', () => {
    const r = buildReport({
      incident: sampleIncident({ status: 'fence-failed', fence: null }),
      instances: [],
      events: [],
    });
    expect(r.commands).toContain('freezer-dr recover --host compute-1 --confirm-fenced');
    expect(r.fence).toBeNull();
  });
});

describe('time formatting', () => {
  test('an unknown zone falls back to UTC', () => {
    expect(safeTimeZone('Mars/Olympus')).toBe('UTC');
    expect(formatInstant('2025-03-04T14:05:00Z', safeTimeZone(undefined))).toBe('2025-03-04 14:05:00 UTC');
  });
  test('durations', () => {
    expect([450, 4200, 42_000, 65_000, 7_380_000].map(formatDuration)).toEqual([
      '450 ms',
      '4.2 s',
      '42 s',
      '1 min 05 s',
      '2 h 03 min',
    ]);
  });
});

describe('the truth per outcome (issues 13 and 17)', () => {
  test('nothing evacuated is FAILED, not PARTIAL, also while the incident is still open', () => {
    const bad = [instance('i-1', { outcome: 'failed' }), instance('i-2', { outcome: 'failed' })];
    expect(reportKind(sampleIncident({ status: 'notifying' }), bad)).toBe('failed');
    expect(reportKind(sampleIncident({ status: 'notifying' }), [...bad, instance('i-3')])).toBe('partial');
  });

  test('each instance says what its outcome means: stopped, in error, local disk, volume', () => {
    const plan = {
      host: 'compute-1',
      plannedAt: at(42),
      skipped: [],
      items: [
        {
          id: 'i-stopped',
          name: 'stopped',
          projectId: 'p-web',
          vmState: 'stopped',
          priority: 0,
          group: 0,
          volumeBacked: false,
        },
        {
          id: 'i-error',
          name: 'error',
          projectId: 'p-web',
          vmState: 'error',
          priority: 0,
          group: 0,
          volumeBacked: true,
        },
        { id: 'i-vol', name: 'vol', projectId: 'p-web', vmState: 'active', priority: 0, group: 0, volumeBacked: true },
      ],
    };
    const r = buildReport({
      incident: sampleIncident({ plan }),
      instances: [
        instance('i-stopped'),
        instance('i-error'),
        instance('i-vol'),
        instance('i-failed', { outcome: 'failed', targetHost: null, reason: 'No valid host was found.' }),
      ],
      events: sampleEvents(),
    });
    const by = new Map(r.instances.map((i) => [i.id, i]));
    expect(by.get('i-stopped')).toMatchObject({ outcomeLabel: 'moved, still stopped' });
    expect(by.get('i-stopped')!.meaning).toMatch(/^Moved to compute-2 and still stopped, as it was before/);
    expect(by.get('i-stopped')!.meaning).toMatch(
      /Its root disk was local to compute-1 \(not a volume\): it was rebuilt/,
    );
    expect(by.get('i-error')!.meaning).toMatch(/already in ERROR before the failure: check it .* reboot it/);
    expect(by.get('i-vol')!.meaning).toMatch(/^Running again on compute-2 .* Its disk is a volume and was kept\.$/);
    expect(by.get('i-failed')!.meaning).toMatch(/Not running: .*No valid host.*Do not delete it/);
  });

  test('who asked, and the fence failure told by its real cause', () => {
    const operator = buildReport({
      incident: sampleIncident({
        requestedBy: 'operator:alice',
        status: 'fence-failed',
        fence: null,
        error: { name: 'NoFencerConfiguredError', message: 'no BMC is configured for compute-1' },
      }),
      instances: [],
      events: [],
    });
    expect(operator.trigger).toBe('operator');
    expect(operator.hostEvent).toBe('was taken out of service at the request of operator:alice');
    expect(operator.fenceAdvice).toMatch(/^No BMC is configured for compute-1: add it under fencing.hosts/);
    expect(operator.fenceAdvice).not.toMatch(/credentials/);
    expect(operator.commands).toContain(
      'freezer-dr incidents inc-compute-1-20250304T140500Z --html inc-compute-1-20250304T140500Z.html',
    );
    expect(buildReport({ incident: sampleIncident(), instances: [], events: [] }).hostEvent).toBe('failed');
  });

  test('a resumed incident: the timeline shows the interruption, phases come from the events', () => {
    const events = [
      ...sampleEvents().slice(0, 6),
      { at: at(45), step: 'evacuate' as const, message: 'evacuate requested', instanceId: 'i-a' },
      // The process died here; a new execution picked the incident up 5 minutes later.
      {
        at: at(345),
        step: 'resume' as const,
        message: 'resumed by a new execution (requested by monitor): the previous run stopped while evacuating',
        instanceId: null,
      },
      { at: at(350), step: 'evacuate' as const, message: 'ACTIVE on compute-2', instanceId: 'i-a' },
    ];
    const r = buildReport({
      incident: sampleIncident({ closedAt: at(360) }),
      // The resumed run's record: its start is when the new run first saw it.
      instances: [instance('i-a', { startedAt: at(346), finishedAt: at(350) })],
      events,
    });
    expect(r.runs).toBe(2);
    expect(r.timeline.map((t) => t.step)).toContain('resume');
    const d = Object.fromEntries(r.durations.map((x) => [x.label, x.value]));
    // From the request sent before the crash, not from the resume.
    expect(d['Evacuations (first request → last end)']).toBe('5 min 05 s');
    expect(d['Interrupted (no run in progress)']).toBe('5 min 00 s');
    expect(r.chart.rows.find((row) => row.label === 'interrupted')).toMatchObject({
      hasBar: true,
      duration: '5 min 00 s',
    });
  });
});
