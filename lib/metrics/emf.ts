import { NAMESPACE, type MetricDef } from './catalog.js';
import type { MetricSink } from './sink.js';

export interface EmfOptions {
  /** CloudWatch namespace; serverless.yml sets one per stage. */
  namespace?: string;
  /** Where each EMF line goes: stdout in a Lambda (the log group is what CloudWatch reads). */
  write?: (line: string) => void;
  now?: () => Date;
}

/**
 * CloudWatch Embedded Metric Format, written by hand: one JSON line per measurement, flushed
 * as it happens, so a Lambda that times out or throws has still published what it measured.
 * (Powertools Metrics buffers until `publishStoredMetrics`; bench/emf-cold-start.ts measured
 * what it would add to a cold start — the README has the figures.)
 *
 * Dimension sets: the metric's full label set, each single label of a multi-label metric, and
 * no dimension at all for a metric with at most one label — so an alarm on "any gate" or
 * "any failed notification" reads one metric instead of a search expression, which alarms cannot use.
 */
export function createEmfSink(opts: EmfOptions = {}): MetricSink {
  const namespace = opts.namespace ?? process.env.FREEZER_DR_METRICS_NAMESPACE ?? NAMESPACE;
  const write = opts.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const now = opts.now ?? (() => new Date());
  return {
    record(def: MetricDef, value: number, labels: Record<string, string>) {
      const keys = def.labels.filter((k) => labels[k] !== undefined);
      write(
        JSON.stringify({
          _aws: {
            Timestamp: now().getTime(),
            CloudWatchMetrics: [
              {
                Namespace: namespace,
                Dimensions: dimensionSets(keys),
                Metrics: [{ Name: def.cloudwatch, Unit: def.unit }],
              },
            ],
          },
          ...Object.fromEntries(keys.map((k) => [k, labels[k]])),
          [def.cloudwatch]: value,
        }),
      );
    },
  };
}

export function dimensionSets(keys: readonly string[]): string[][] {
  if (keys.length === 0) return [[]];
  if (keys.length === 1) return [[...keys], []];
  return [[...keys], ...keys.map((k) => [k])];
}
