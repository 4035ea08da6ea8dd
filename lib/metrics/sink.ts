import { METRICS, type LabelsOf, type MetricDef, type MetricName } from './catalog.js';

/** Where measurements go: EMF lines in a Lambda, the Prometheus registry under `start --listen`. */
export interface MetricSink {
  record(def: MetricDef, value: number, labels: Record<string, string>): void;
}

let sinks: MetricSink[] = [];

/** Replace the process's sinks (the CLI and each Lambda set theirs once; tests reset them). */
export function setMetricSinks(next: MetricSink[]): void {
  sinks = [...next];
}

export function getMetricSinks(): readonly MetricSink[] {
  return sinks;
}

/**
 * Record one measurement of a catalog metric: a counter increment, a gauge value or a
 * histogram observation. Never throws: a broken metrics backend must not fail a recovery.
 */
export function recordMetric<N extends MetricName>(name: N, value: number, labels: LabelsOf<N>): void {
  if (!Number.isFinite(value)) return;
  const def: MetricDef = METRICS[name];
  for (const sink of sinks) {
    try {
      sink.record(def, value, labels as Record<string, string>);
    } catch {
      // Swallowed on purpose: metrics are best effort, recovery is not.
    }
  }
}

/** Seconds between two ISO instants, or NaN when either is missing (then nothing is recorded). */
export function secondsBetween(from: string | null | undefined, to: string | null | undefined): number {
  if (!from || !to) return Number.NaN;
  return (Date.parse(to) - Date.parse(from)) / 1000;
}
