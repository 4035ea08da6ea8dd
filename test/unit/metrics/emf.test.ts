import { describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import {
  METRICS,
  createEmfSink,
  recordMetric,
  setMetricSinks,
  type MetricDef,
  type MetricName,
} from '../../../lib/metrics/index.js';

/**
 * The EMF specification (CloudWatch "Embedded metric format specification"), as a schema:
 * the root carries `_aws` with a millisecond Timestamp and one or more directives; every
 * dimension key and metric name a directive names must be a root member (metric values numbers,
 * dimension values strings); at most 30 dimensions per set and 100 metrics per directive; units
 * from CloudWatch's list.
 */
const CW_UNITS = ['Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Count', 'Percent', 'None'] as const;
const EmfSchema = z
  .object({
    _aws: z.object({
      Timestamp: z.number().int().positive(),
      CloudWatchMetrics: z
        .array(
          z.object({
            Namespace: z.string().min(1).max(1024),
            Dimensions: z.array(z.array(z.string().min(1)).max(30)),
            Metrics: z
              .array(z.object({ Name: z.string().min(1).max(1024), Unit: z.enum(CW_UNITS).optional() }))
              .min(1)
              .max(100),
          }),
        )
        .min(1),
    }),
  })
  .loose()
  .superRefine((doc, ctx) => {
    for (const d of doc._aws.CloudWatchMetrics) {
      for (const key of d.Dimensions.flat())
        if (typeof doc[key] !== 'string') ctx.addIssue({ code: 'custom', message: `dimension ${key} missing at root` });
      for (const m of d.Metrics)
        if (typeof doc[m.Name] !== 'number') ctx.addIssue({ code: 'custom', message: `metric ${m.Name} not a number` });
    }
  });

const sample: { [N in MetricName]: Record<string, string> } = {
  detections: {},
  gateFirings: { gate: 'observer' },
  fenceAttempts: { driver: 'redfish' },
  fenceResults: { driver: 'ipmi', result: 'confirmed' },
  fenceDuration: { driver: 'ipmi' },
  instanceEvacuations: { outcome: 'evacuated' },
  instanceEvacuationDuration: { outcome: 'failed' },
  recoveries: { outcome: 'partial' },
  recoveryTime: { outcome: 'resolved' },
  monitorPassDuration: {},
  observerFailures: {},
  notifications: { kind: 'admin', result: 'failed' },
  openIncidents: {},
};

describe('EMF output', () => {
  test('every catalog metric is one valid EMF line with its CloudWatch name, unit and labels as dimensions', () => {
    const lines: string[] = [];
    setMetricSinks([createEmfSink({ namespace: 'freezer-dr/test', write: (l) => lines.push(l) })]);
    try {
      for (const name of Object.keys(METRICS) as MetricName[]) recordMetric(name, 1.5, sample[name] as never);
    } finally {
      setMetricSinks([]);
    }
    expect(lines).toHaveLength(Object.keys(METRICS).length);
    (Object.entries(METRICS) as Array<[MetricName, MetricDef]>).forEach(([name, def], i) => {
      const doc = EmfSchema.parse(JSON.parse(lines[i]!));
      const d = doc._aws.CloudWatchMetrics[0]!;
      expect(d.Namespace).toBe('freezer-dr/test');
      expect(d.Metrics).toEqual([{ Name: def.cloudwatch, Unit: def.unit }]);
      expect(doc[def.cloudwatch]).toBe(1.5);
      expect(d.Dimensions[0]!.sort()).toEqual([...def.labels].sort());
      for (const [k, v] of Object.entries(sample[name])) expect(doc[k]).toBe(v);
    });
  });

  test('a one-label metric also publishes without dimensions (the alarms read that rollup)', () => {
    const lines: string[] = [];
    setMetricSinks([createEmfSink({ write: (l) => lines.push(l) })]);
    recordMetric('gateFirings', 1, { gate: 'storm' });
    recordMetric('notifications', 1, { kind: 'project', result: 'failed' });
    setMetricSinks([]);
    const [gate, notif] = lines.map((l) => EmfSchema.parse(JSON.parse(l)));
    expect(gate!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['gate'], []]);
    expect(notif!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['kind', 'result'], ['kind'], ['result']]);
  });

  test('names are unique in both backends, and Prometheus names follow its conventions', () => {
    const defs = Object.values(METRICS) as MetricDef[];
    expect(new Set(defs.map((d) => d.cloudwatch)).size).toBe(defs.length);
    expect(new Set(defs.map((d) => d.prometheus)).size).toBe(defs.length);
    for (const d of defs) {
      expect(d.prometheus).toMatch(/^freezer_dr_[a-z_]+$/);
      if (d.type === 'counter') expect(d.prometheus).toMatch(/_total$/);
      if (d.unit === 'Seconds') expect(d.prometheus).toMatch(/_seconds$/);
    }
  });

  test('a broken sink never throws into the caller', () => {
    setMetricSinks([
      {
        record() {
          throw new Error('disk full');
        },
      },
    ]);
    expect(() => recordMetric('detections', 1, {})).not.toThrow();
    setMetricSinks([]);
  });
});
