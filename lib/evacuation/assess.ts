import type { Migration } from '../openstack/index.js';
import type { Server } from '../openstack/index.js';

/** Migration states after which Nova is done with an evacuation, successfully or not. */
const SUCCEEDED = new Set(['done', 'completed']);
const FAILED = new Set(['error', 'failed', 'cancelled']);

export type Assessment =
  | { kind: 'evacuated'; targetHost: string }
  | { kind: 'in-progress'; detail: string }
  /** `migrationStatus`: set when Nova's own migration record says the attempt ended (error / failed / cancelled). */
  | { kind: 'failed'; reason: string; migrationStatus?: string }
  /** Nothing of ours is in flight: an evacuate may be sent. */
  | { kind: 'ready' };

/**
 * Where an instance stands, from Nova's own records (S5): its host, vm/task state and the
 * evacuation migrations created after `migrationsBefore` (the count when we sent ours, so
 * migrations of older incidents never count). Nova accepts a second evacuate of an instance
 * in flight and corrupts its bookkeeping, so we only send when this says `ready`.
 */
export function assessEvacuation(
  server: Server,
  sourceHost: string,
  migrations: Migration[],
  migrationsBefore: number,
  requested: boolean,
): Assessment {
  const ours = migrations.slice(migrationsBefore);
  const last = ours.at(-1);
  const settled = !server.taskState && (server.vmState === 'active' || server.vmState === 'stopped');
  // An instance can read ACTIVE with its old host for a moment: only a new host counts.
  if (server.host && server.host !== sourceHost && settled) return { kind: 'evacuated', targetHost: server.host };
  if (last && SUCCEEDED.has(last.status) && server.host && server.host !== sourceHost)
    return { kind: 'evacuated', targetHost: server.host };
  if (server.taskState?.startsWith('rebuild')) return { kind: 'in-progress', detail: `task_state ${server.taskState}` };
  if (last && !SUCCEEDED.has(last.status) && !FAILED.has(last.status))
    return { kind: 'in-progress', detail: `migration ${last.id} ${last.status}` };
  if (last && FAILED.has(last.status))
    return {
      kind: 'failed',
      reason: server.fault ?? `evacuation migration ${last.id} ended ${last.status}`,
      migrationStatus: last.status,
    };
  if (requested && last && SUCCEEDED.has(last.status))
    return { kind: 'in-progress', detail: `migration ${last.id} ${last.status}, waiting for the new host to show` };
  if (requested && ours.length === 0 && server.vmState === 'error')
    return { kind: 'failed', reason: server.fault ?? 'the instance went to ERROR' };
  return { kind: 'ready' };
}

/**
 * The same assessment from a host-wide round (one listing of the servers still on the source host
 * and one of the host's evacuation migrations) instead of one GET per instance. `listed` is the
 * instance as the source host's listing shows it, or undefined when it no longer lists there.
 * Returns `null` when the listings cannot tell (it left the host without a finished migration of
 * ours: deleted, or moved by someone else): the caller then reads that one server.
 */
export function assessFromListing(
  listed: Server | undefined,
  sourceHost: string,
  migrations: Migration[],
  migrationsBefore: number,
  requested: boolean,
): Assessment | null {
  if (listed) return assessEvacuation(listed, sourceHost, migrations, migrationsBefore, requested);
  const last = migrations.slice(migrationsBefore).at(-1);
  // Nova moves the instance to its new host and marks the migration done in the same step
  // (DESIGN §6): gone from the source with our migration done is an evacuation that finished.
  if (last && SUCCEEDED.has(last.status) && last.destCompute && last.destCompute !== sourceHost)
    return { kind: 'evacuated', targetHost: last.destCompute };
  if (last && !SUCCEEDED.has(last.status) && !FAILED.has(last.status))
    return { kind: 'in-progress', detail: `migration ${last.id} ${last.status}` };
  return null;
}
