import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createPrometheusRegistry, recordMetric, setMetricSinks } from '../../../lib/metrics/index.js';

const PROMTOOL = '/usr/bin/promtool';

function filled() {
  const reg = createPrometheusRegistry();
  setMetricSinks([reg]);
  recordMetric('detections', 1, {});
  recordMetric('detections', 2, {});
  recordMetric('gateFirings', 1, { gate: 'observer' });
  recordMetric('fenceDuration', 0.4, { driver: 'redfish' });
  recordMetric('fenceDuration', 7, { driver: 'redfish' });
  recordMetric('observerFailures', 3, {});
  recordMetric('observerFailures', 0, {});
  recordMetric('notifications', 1, { kind: 'admin', result: 'failed' });
  recordMetric('recoveries', 1, { outcome: 'weird "quoted"\\value' });
  setMetricSinks([]);
  return reg.render();
}

describe('Prometheus text', () => {
  test('counters add, gauges set, histograms bucket cumulatively', () => {
    const text = filled();
    expect(text).toContain('# TYPE freezer_dr_detections_total counter\nfreezer_dr_detections_total 3\n');
    expect(text).toContain('freezer_dr_gate_firings_total{gate="observer"} 1');
    expect(text).toContain('freezer_dr_observer_consecutive_failures 0');
    expect(text).toContain('freezer_dr_fence_duration_seconds_bucket{driver="redfish",le="0.5"} 1');
    expect(text).toContain('freezer_dr_fence_duration_seconds_bucket{driver="redfish",le="10"} 2');
    expect(text).toContain('freezer_dr_fence_duration_seconds_bucket{driver="redfish",le="+Inf"} 2');
    expect(text).toContain('freezer_dr_fence_duration_seconds_sum{driver="redfish"} 7.4');
    expect(text).toContain('freezer_dr_recoveries_total{outcome="weird \\"quoted\\"\\\\value"} 1');
  });

  test("promtool (Debian's prometheus package) accepts it", () => {
    if (!existsSync(PROMTOOL)) {
      if (process.env.CI) throw new Error('CI must install the Debian package prometheus (promtool)');
      return;
    }
    const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: filled(), encoding: 'utf8' });
    // promtool exits 0 when it parses; lint remarks (if any) are printed, and there must be none.
    expect({ status: r.status, out: (r.stdout + r.stderr).trim() }).toEqual({ status: 0, out: '' });
  });
});
