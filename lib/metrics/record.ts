import type { MonitorDecision } from '../monitor/index.js';
import type { NotificationRecord } from '../incidents/index.js';
import type { InstanceRecord } from '../evacuation/index.js';
import { recordMetric, secondsBetween } from './sink.js';

let consecutiveObserverFailures = 0;

/**
 * What one monitor pass measured. The consecutive-failure gauge lives in this process (a
 * Lambda container or the local watcher); the AWS alarm on a blind observer counts per-minute
 * observer gate firings instead, which survives a new container.
 */
export function recordMonitorPass(decision: MonitorDecision, started: number, seconds: number): void {
  recordMetric('monitorPassDuration', seconds, {});
  recordMetric('detections', started, {});
  for (const gate of new Set(decision.gates.map((g) => g.gate))) recordMetric('gateFirings', 1, { gate });
  const blind = decision.gates.some((g) => g.gate === 'observer');
  consecutiveObserverFailures = blind ? consecutiveObserverFailures + 1 : 0;
  recordMetric('observerFailures', consecutiveObserverFailures, {});
  recordMetric('openIncidents', decision.hosts.filter((h) => h.verdict === 'in-flight').length, {});
}

/** A monitor pass that threw before deciding anything: the observer saw nothing. */
export function recordMonitorPassFailed(seconds: number): void {
  recordMetric('monitorPassDuration', seconds, {});
  consecutiveObserverFailures++;
  recordMetric('observerFailures', consecutiveObserverFailures, {});
}

export function observerFailuresForTests(reset = false): number {
  if (reset) consecutiveObserverFailures = 0;
  return consecutiveObserverFailures;
}

/** A closed recovery: its outcome, its recovery time, and each instance it tried to evacuate. */
export function recordRecovery(
  outcome: string,
  detectedAt: string,
  instances: readonly InstanceRecord[],
  closedAt: string,
): void {
  const tried = instances.filter((i) => i.outcome !== 'skipped' && i.outcome !== 'pending');
  for (const i of tried) {
    recordMetric('instanceEvacuations', 1, { outcome: i.outcome });
    recordMetric('instanceEvacuationDuration', secondsBetween(i.startedAt, i.finishedAt), { outcome: i.outcome });
  }
  recordMetric('recoveries', 1, { outcome });
  const settled = tried
    .map((i) => i.finishedAt)
    .filter((t): t is string => !!t)
    .sort();
  recordMetric('recoveryTime', secondsBetween(detectedAt, settled.at(-1) ?? closedAt), { outcome });
}

/** Messages sent and failed by audience, from the delivery records of one notify step. */
export function recordNotifications(records: readonly Pick<NotificationRecord, 'kind' | 'ok'>[]): void {
  for (const r of records) recordMetric('notifications', 1, { kind: r.kind, result: r.ok ? 'sent' : 'failed' });
}
