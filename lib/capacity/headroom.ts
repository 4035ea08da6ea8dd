import type { IncidentHeadroom } from '../incidents/index.js';
import type { CapacityReport } from './schemas.js';

/** What an incident records of a capacity run at its end (shown in the admin summary). */
export function headroomOf(report: CapacityReport): IncidentHeadroom {
  return {
    at: report.at,
    hosts: report.now.hosts,
    capacity: { ...report.now.capacity },
    free: { ...report.now.free },
    worstCase: report.worstCase,
    error: null,
  };
}

/** The record when the run failed: the admin summary says it was not measured, and why. */
export function headroomFailed(at: Date, err: unknown): IncidentHeadroom {
  const e = err as Error;
  return { at: at.toISOString(), hosts: 0, capacity: {}, free: {}, worstCase: null, error: `${e.name}: ${e.message}` };
}
