import type { IncidentStore, Incident, TimelineEvent } from '../incidents/index.js';
import type { InstanceRecord } from '../evacuation/index.js';
import { errorMessage } from '../errors.js';

export interface OverlayStore extends IncidentStore {
  /** The store errors met so far (first one first): empty when every write reached the store. */
  readonly writeErrors: readonly string[];
}

/**
 * The store as the Notify step uses it: every write goes to the real store, and one that fails
 * (a full disk, a read-only file) is kept in memory instead, so the mails and the execution's
 * output still tell what happened and say that the record could not be written. Reads see the
 * store with those writes on top. Nothing here is kept after the step.
 */
// eslint-disable-next-line max-lines-per-function -- one adapter: each store verb with its in-memory fallback
export function overlayStore(store: IncidentStore): OverlayStore {
  const writeErrors: string[] = [];
  const patches = new Map<string, Partial<Incident>>();
  const events = new Map<string, TimelineEvent[]>();
  const instances = new Map<string, InstanceRecord>();
  const key = (incidentId: string, instanceId: string) => `${incidentId}\u0000${instanceId}`;
  const failed = (err: unknown) => writeErrors.push(errorMessage(err));
  const read = async (id: string): Promise<Incident | undefined> => {
    const base = await store.getIncident(id);
    const patch = patches.get(id);
    return base && patch ? { ...base, ...patch } : base;
  };
  return {
    writeErrors,
    getIncident: read,
    async updateIncident(id, patch) {
      try {
        const next = await store.updateIncident(id, { ...patches.get(id), ...patch });
        patches.delete(id);
        return next;
      } catch (err) {
        failed(err);
        patches.set(id, { ...patches.get(id), ...patch });
        const merged = await read(id);
        if (!merged) throw err;
        return merged;
      }
    },
    async appendEvent(incidentId, event) {
      try {
        await store.appendEvent(incidentId, event);
      } catch (err) {
        failed(err);
        events.set(incidentId, [...(events.get(incidentId) ?? []), event]);
      }
    },
    async listEvents(incidentId) {
      return [...(await store.listEvents(incidentId)), ...(events.get(incidentId) ?? [])];
    },
    async putInstance(record) {
      try {
        await store.putInstance(record);
      } catch (err) {
        failed(err);
        instances.set(key(record.incidentId, record.instanceId), record);
      }
    },
    async getInstance(incidentId, instanceId) {
      return instances.get(key(incidentId, instanceId)) ?? (await store.getInstance(incidentId, instanceId));
    },
    async listInstances(incidentId) {
      const stored = await store.listInstances(incidentId);
      return stored.map((r) => instances.get(key(incidentId, r.instanceId)) ?? r);
    },
    findOpenIncident: (host) => store.findOpenIncident(host),
    listIncidents: (opts) => store.listIncidents(opts),
    createIncident: (incident) => store.createIncident(incident),
    getObservations: () => store.getObservations(),
    putObservations: (o) => store.putObservations(o),
    getSetting: (k) => store.getSetting(k),
    putSetting: (k, v) => store.putSetting(k, v),
    close: () => store.close(),
  };
}
