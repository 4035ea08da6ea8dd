import type { Incident, IncidentPatch, Observation, TimelineEvent } from './schemas.js';
import type { InstanceRecord } from '../evacuation/index.js';

/**
 * Where incidents live: SQLite locally, DynamoDB in AWS. Both backends pass the same test suite.
 * S4 is enforced here: `createIncident` is a conditional write on "no open incident for this host".
 */
export interface IncidentStore {
  /** Throws IncidentExistsError (carrying the existing incident) when the host already has an open one or the id exists. */
  createIncident(incident: Incident): Promise<void>;
  getIncident(id: string): Promise<Incident | undefined>;
  findOpenIncident(host: string): Promise<Incident | undefined>;
  listIncidents(opts?: { openOnly?: boolean; limit?: number }): Promise<Incident[]>;
  /** Merge a patch. A terminal status closes the incident and frees the host for a new one. */
  updateIncident(id: string, patch: IncidentPatch): Promise<Incident>;
  putInstance(record: InstanceRecord): Promise<void>;
  getInstance(incidentId: string, instanceId: string): Promise<InstanceRecord | undefined>;
  listInstances(incidentId: string): Promise<InstanceRecord[]>;
  appendEvent(incidentId: string, event: TimelineEvent): Promise<void>;
  listEvents(incidentId: string): Promise<TimelineEvent[]>;
  /** What the monitor kept from earlier passes: the hosts that were ever suspects (observations.ts). */
  getObservations(): Promise<Observation[]>;
  /**
   * One pass's observations, written as `shouldWrite` (observations.ts) says: those that carry
   * memory when it changed, and a host's first plain one after it did. A host only ever seen
   * healthy is not kept; a host absent from the list is left as it was. So a quiet pass over
   * thousands of healthy hosts writes nothing.
   */
  putObservations(observations: Observation[]): Promise<void>;
  getSetting(key: string): Promise<string | undefined>;
  putSetting(key: string, value: string | undefined): Promise<void>;
  close(): Promise<void>;
}
