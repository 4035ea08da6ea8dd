/**
 * Task states only the instance's own compute host moves forward: with that host fenced they never
 * finish, so `evacuation.stuckTasks: reset` may clear them (os-resetState → ERROR) and evacuate.
 * Left out on purpose: tasks that involve another host or a user's intent, whose reset would lose
 * or corrupt something (migrating, resize_*, deleting, shelving*, spawning, rescuing, ...).
 * The rebuild states are reset only when no evacuation migration of the instance is in flight:
 * `rebuilding` is also what an evacuation in progress looks like (S5).
 */
export const STUCK_TASK_STATES: ReadonlySet<string> = new Set([
  'rebooting',
  'reboot_pending',
  'reboot_started',
  'rebooting_hard',
  'reboot_pending_hard',
  'reboot_started_hard',
  'powering-off',
  'powering-on',
  'rebuilding',
  'rebuild_block_device_mapping',
  'rebuild_spawning',
  'image_snapshot',
  'image_snapshot_pending',
  'image_pending_upload',
  'image_uploading',
  'image_backup',
]);

/** Evacuation migration statuses after which Nova is no longer working on it. */
const MIGRATION_SETTLED = new Set(['done', 'completed', 'error', 'failed', 'cancelled']);

/** Instances with an evacuation migration Nova is still working on (from the host's migrations). */
export function evacuationsInFlight(migrations: ReadonlyArray<{ instanceId: string; status: string }>): Set<string> {
  return new Set(migrations.filter((m) => !MIGRATION_SETTLED.has(m.status)).map((m) => m.instanceId));
}
