/**
 * The one metrics catalog. Every metric freezer-dr emits is declared here once, with its
 * CloudWatch name and unit (EMF in AWS) and its Prometheus name and type (`/metrics` locally);
 * the README's catalog table is this list. Labels are closed sets (gate names, outcomes, driver
 * names), never hosts or instance ids: unbounded label values would explode both backends'
 * cardinality, and hosts are in the events and the incidents already.
 */
export const METRICS = {
  detections: {
    cloudwatch: 'Detections',
    prometheus: 'freezer_dr_detections_total',
    type: 'counter',
    unit: 'Count',
    labels: [],
    help: 'Failed hosts for which the monitor started a recovery.',
  },
  gateFirings: {
    cloudwatch: 'GateFirings',
    prometheus: 'freezer_dr_gate_firings_total',
    type: 'counter',
    unit: 'Count',
    labels: ['gate'],
    help: 'Monitor passes in which a gate fired, by gate (observer, all-stale, storm, in-flight, paused).',
  },
  fenceAttempts: {
    cloudwatch: 'FenceAttempts',
    prometheus: 'freezer_dr_fence_attempts_total',
    type: 'counter',
    unit: 'Count',
    labels: ['driver'],
    help: 'Power-off attempts through a BMC (or an operator confirmation), by driver.',
  },
  fenceResults: {
    cloudwatch: 'FenceResults',
    prometheus: 'freezer_dr_fence_results_total',
    type: 'counter',
    unit: 'Count',
    labels: ['driver', 'result'],
    help: 'Fence outcomes by driver and result (confirmed, failed).',
  },
  fenceDuration: {
    cloudwatch: 'FenceDuration',
    prometheus: 'freezer_dr_fence_duration_seconds',
    type: 'histogram',
    unit: 'Seconds',
    labels: ['driver'],
    help: 'From the power-off request to the confirmed off reading (or the failure).',
  },
  instanceEvacuations: {
    cloudwatch: 'InstanceEvacuations',
    prometheus: 'freezer_dr_instance_evacuations_total',
    type: 'counter',
    unit: 'Count',
    labels: ['outcome'],
    help: 'Instances a recovery tried to evacuate, by final outcome (evacuated, failed, timeout).',
  },
  instanceEvacuationDuration: {
    cloudwatch: 'InstanceEvacuationDuration',
    prometheus: 'freezer_dr_instance_evacuation_duration_seconds',
    type: 'histogram',
    unit: 'Seconds',
    labels: ['outcome'],
    help: 'From the evacuate request to the instance settled (ACTIVE elsewhere, failed or timed out).',
  },
  recoveries: {
    cloudwatch: 'Recoveries',
    prometheus: 'freezer_dr_recoveries_total',
    type: 'counter',
    unit: 'Count',
    labels: ['outcome'],
    help: 'Finished recoveries by outcome (resolved, partial, failed, timed-out, fence-failed).',
  },
  recoveryTime: {
    cloudwatch: 'RecoveryTime',
    prometheus: 'freezer_dr_recovery_time_seconds',
    type: 'histogram',
    unit: 'Seconds',
    labels: ['outcome'],
    help: 'Recovery time: from detection to the last instance settled.',
  },
  monitorPassDuration: {
    cloudwatch: 'MonitorPassDuration',
    prometheus: 'freezer_dr_monitor_pass_duration_seconds',
    type: 'histogram',
    unit: 'Seconds',
    labels: [],
    help: 'One monitor pass: observe, decide, start recoveries.',
  },
  observerFailures: {
    cloudwatch: 'ObserverConsecutiveFailures',
    prometheus: 'freezer_dr_observer_consecutive_failures',
    type: 'gauge',
    unit: 'Count',
    labels: [],
    help: 'Monitor passes in a row that could not observe the cloud (0 once a pass sees it again).',
  },
  notifications: {
    cloudwatch: 'Notifications',
    prometheus: 'freezer_dr_notifications_total',
    type: 'counter',
    unit: 'Count',
    labels: ['kind', 'result'],
    help: 'Messages by audience (project, admin) and result (sent, failed).',
  },
  openIncidents: {
    cloudwatch: 'OpenIncidents',
    prometheus: 'freezer_dr_open_incidents',
    type: 'gauge',
    unit: 'Count',
    labels: [],
    help: 'Incidents not closed yet, as the last monitor pass saw them.',
  },
} as const satisfies Record<string, MetricDef>;

export interface MetricDef {
  cloudwatch: string;
  prometheus: string;
  type: 'counter' | 'gauge' | 'histogram';
  unit: 'Count' | 'Seconds';
  labels: readonly string[];
  help: string;
}

export type MetricName = keyof typeof METRICS;
/** The labels a metric takes, exactly: a typo or a missing label is a type error. */
export type LabelsOf<N extends MetricName> = { [K in (typeof METRICS)[N]['labels'][number]]: string };

/** Histogram buckets, seconds: from a sub-second fence to a half-hour recovery. */
export const SECONDS_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800] as const;

/** CloudWatch namespace of every metric. */
export const NAMESPACE = 'freezer-dr';
