export { METRICS, NAMESPACE, SECONDS_BUCKETS, type MetricDef, type MetricName, type LabelsOf } from './catalog.js';
export { recordMetric, setMetricSinks, getMetricSinks, secondsBetween, type MetricSink } from './sink.js';
export { createEmfSink, dimensionSets, type EmfOptions } from './emf.js';
export { createPrometheusRegistry, PROMETHEUS_CONTENT_TYPE, type PrometheusRegistry } from './prometheus.js';
export {
  recordMonitorPass,
  recordMonitorPassFailed,
  recordRecovery,
  recordNotifications,
  observerFailuresForTests,
} from './record.js';
