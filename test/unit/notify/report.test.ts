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
