import { METRICS, SECONDS_BUCKETS, type MetricDef } from './catalog.js';
import type { MetricSink } from './sink.js';

interface Series {
  labels: Record<string, string>;
  value: number;
  /** Histograms: cumulative counts per bucket, plus sum and count. */
  buckets?: number[];
  sum?: number;
  count?: number;
}

export interface PrometheusRegistry extends MetricSink {
  /** The text exposition format 0.0.4, as `GET /metrics` serves it. */
  render(): string;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * An in-memory registry of the catalog, rendered as Prometheus text. Written by hand rather
 * than with prom-client: the catalog is fixed, three metric types are enough, and the whole
 * format is the few lines of `render`.
 */
export function createPrometheusRegistry(): PrometheusRegistry {
  const series = new Map<string, Map<string, Series>>();
  return {
    record(def: MetricDef, value: number, labels: Record<string, string>) {
      const clean = Object.fromEntries(def.labels.map((k) => [k, labels[k] ?? '']));
      const key = JSON.stringify(clean);
      let byLabels = series.get(def.prometheus);
      if (!byLabels) series.set(def.prometheus, (byLabels = new Map()));
      let s = byLabels.get(key);
      if (!s) {
        s = { labels: clean, value: 0 };
        if (def.type === 'histogram') Object.assign(s, { buckets: SECONDS_BUCKETS.map(() => 0), sum: 0, count: 0 });
        byLabels.set(key, s);
      }
      if (def.type === 'counter') s.value += Math.max(0, value);
      else if (def.type === 'gauge') s.value = value;
      else {
        SECONDS_BUCKETS.forEach((b, i) => {
          if (value <= b) s.buckets![i]!++;
        });
        s.sum! += value;
        s.count!++;
      }
    },
    render() {
      const out: string[] = [];
      for (const def of Object.values(METRICS) as MetricDef[]) {
        out.push(`# HELP ${def.prometheus} ${escapeHelp(def.help)}`, `# TYPE ${def.prometheus} ${def.type}`);
        const all = [...(series.get(def.prometheus)?.values() ?? [])];
        // A metric without labels is shown at 0 before its first sample, so a dashboard has a line to draw.
        if (all.length === 0 && def.labels.length === 0 && def.type !== 'histogram') out.push(`${def.prometheus} 0`);
        for (const s of all) {
          if (def.type !== 'histogram') {
            out.push(`${def.prometheus}${labelText(s.labels)} ${num(s.value)}`);
            continue;
          }
          SECONDS_BUCKETS.forEach((b, i) =>
            out.push(`${def.prometheus}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.buckets![i]}`),
          );
          out.push(`${def.prometheus}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
          out.push(`${def.prometheus}_sum${labelText(s.labels)} ${num(s.sum!)}`);
          out.push(`${def.prometheus}_count${labelText(s.labels)} ${s.count}`);
        }
      }
      return out.join('\n') + '\n';
    },
  };
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const num = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12))));
