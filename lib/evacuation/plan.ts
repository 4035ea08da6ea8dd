import type { EvacuableConfig } from '../config/index.js';
import type { PlanItem, SkippedItem } from './schemas.js';
import type { Server } from '../openstack/index.js';

/** Nova evacuates only instances in these vm_states, and only ones that ever launched (DESIGN §6). */
const EVACUABLE_VM_STATES = new Set(['active', 'stopped', 'error']);

export interface PlanResult {
  items: PlanItem[];
  skipped: SkippedItem[];
}

/**
 * Which instances of a failed host to evacuate, in what order, and why the others are skipped.
 * Pure: the caller lists the servers (exact host match) and, when the image filter is on,
 * passes each image's properties.
 */
export function planEvacuation(
  host: string,
  servers: Server[],
  evacuable: EvacuableConfig,
  imageProperties: ReadonlyMap<string, Record<string, string>> = new Map(),
): PlanResult {
  const items: PlanItem[] = [];
  const skipped: SkippedItem[] = [];
  for (const s of servers) {
    const skip = (reason: string) => skipped.push({ id: s.id, name: s.name, projectId: s.projectId, reason });
    if (s.host !== host) continue; // S3: never another host's instance, whatever the caller passed
    if (!s.launchedAt) {
      skip(`never launched (vm_state ${s.vmState})`);
      continue;
    }
    if (!EVACUABLE_VM_STATES.has(s.vmState)) {
      skip(`vm_state ${s.vmState} cannot be evacuated`);
      continue;
    }
    if (s.taskState) {
      skip(`a task is in progress (${s.taskState})`);
      continue;
    }
    if (evacuable.mode === 'tagged' && !isTagged(s, evacuable, imageProperties)) {
      skip('not marked evacuable (evacuation.evacuable.mode is "tagged")');
      continue;
    }
    const priority = Number.parseInt(s.metadata[evacuable.priorityMetadataKey] ?? '', 10);
    items.push({
      id: s.id,
      name: s.name,
      projectId: s.projectId,
      vmState: s.vmState,
      priority: Number.isFinite(priority) ? priority : 0,
      group: 0,
    });
  }
  items.sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return { items, skipped };
}

function isTagged(s: Server, e: EvacuableConfig, images: ReadonlyMap<string, Record<string, string>>): boolean {
  const matches = (marker: string | undefined, bag: Record<string, string> | undefined) => {
    if (!marker || !bag) return false;
    const i = marker.indexOf('=');
    return bag[marker.slice(0, i)] === marker.slice(i + 1);
  };
  return (
    matches(e.flavorExtraSpec, s.flavorExtraSpecs) ||
    matches(e.serverMetadata, s.metadata) ||
    matches(e.imageProperty, s.imageId ? images.get(s.imageId) : undefined)
  );
}
