import { castToCompute } from './hosts.js';
import { newUuid } from './ids.js';
import { pickDestination } from './scheduler.js';
import { getHost, type CloudState, type MigrationRec, type ServerRec } from './state.js';

export const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';
export const INVALID_SHARED_STORAGE = 'Invalid state of instance files on shared storage';

export interface EvacuationRequest {
  /** Target host from the request body. */
  host?: string;
  /** Skip the scheduler: `force: true` (2.29–2.67), or any host before 2.29 (FACTS rule 3). */
  bypassScheduler: boolean;
  /** Request microversion (minor): 2.95+ leaves every evacuated instance stopped. */
  minor: number;
  /** Only below 2.14: what the caller claimed about shared storage. */
  onSharedStorage?: boolean;
}

type InFlight = { migrationId: number; dest: string | null };

/**
 * What happens after the API said 200 to an evacuate, in Nova's order:
 *   API: task_state rebuilding, migration `accepted` (dest_compute = requested host or null)
 *   conductor (after ~rebuildMs/5): schedule → dest_compute set, or NoValidHost → ERROR + migration `error`
 *   destination compute: RPC consumed (or queued while that compute is dead — stuck, FACTS rule 3),
 *     migration `pre-migrating`, rebuild for the rest of rebuildMs
 *   spawned: vm_state active (or stopped: Zed restores a stopped instance's state; 2.95+ stops all),
 *     then — after evacuationFinishLagMs, the window FACTS rule 5 describes — host = dest and
 *     migration `done`; the source keeps a leftover copy until its nova-compute starts again.
 */
// eslint-disable-next-line max-lines-per-function -- test double: one evacuation’s life in Nova, step by step
export function startEvacuation(state: CloudState, server: ServerRec, req: EvacuationRequest): MigrationRec {
  const now = state.clock.now();
  const source = server.host!;
  const mig: MigrationRec = {
    id: state.nextMigrationId++,
    uuid: newUuid(),
    instanceUuid: server.id,
    migrationType: 'evacuation',
    sourceCompute: source,
    sourceNode: server.node ?? source,
    destCompute: req.host ?? null,
    destNode: null,
    destHost: null,
    status: 'accepted',
    flavorId: server.flavorId,
    userId: server.userId,
    projectId: server.projectId,
    createdAt: now,
    updatedAt: now,
  };
  state.migrations.push(mig);
  if (state.evacuations.has(server.id)) {
    // FACTS rule 4: Nova accepts a second evacuate while one is in flight, but the conductor
    // works on the oldest `accepted` record; this one stays `accepted` with no destination for good.
    return mig;
  }
  const origVmState = server.vmState;
  server.taskState = 'rebuilding';
  server.updatedAt = now;
  const evac: InFlight = { migrationId: mig.id, dest: null };
  state.evacuations.set(server.id, evac);
  const scheduleAfter = Math.floor(state.opts.rebuildMs / 5);
  state.timers.later(scheduleAfter, () => {
    if (state.evacuations.get(server.id) !== evac) return;
    const dest =
      req.bypassScheduler && req.host !== undefined ? req.host : pickDestination(state, server, source, req.host);
    if (dest === undefined) {
      fail(state, server, mig, 'error', NO_VALID_HOST);
      return;
    }
    evac.dest = dest;
    mig.destCompute = dest;
    mig.destNode = dest;
    mig.updatedAt = state.clock.now();
    const destHost = getHost(state, dest);
    castToCompute(destHost, () => {
      if (state.evacuations.get(server.id) !== evac) {
        // Replayed after the instance moved on (UnexpectedTaskStateError in FACTS rule 3).
        mig.status = 'failed';
        mig.updatedAt = state.clock.now();
        return;
      }
      if (req.onSharedStorage !== undefined && req.onSharedStorage !== state.opts.sharedStorage) {
        fail(state, server, mig, 'failed', INVALID_SHARED_STORAGE);
        return;
      }
      mig.status = 'pre-migrating';
      mig.updatedAt = state.clock.now();
      state.timers.later(Math.max(0, state.opts.rebuildMs - scheduleAfter), () => {
        // A destination that died mid-rebuild leaves the instance in REBUILD for good.
        if (state.evacuations.get(server.id) !== evac || !destHost.computeRunning) return;
        const stopped = req.minor >= 95 || origVmState === 'stopped';
        const t = state.clock.now();
        server.vmState = stopped ? 'stopped' : 'active';
        server.taskState = null;
        server.powerState = stopped ? 4 : 1;
        server.launchedAt = t;
        server.updatedAt = t;
        const commit = (): void => {
          const t2 = state.clock.now();
          server.host = dest;
          server.node = dest;
          server.updatedAt = t2;
          mig.status = 'done';
          mig.destHost = '127.0.0.1';
          mig.updatedAt = t2;
          getHost(state, source).pendingCleanup.add(server.id);
          state.evacuations.delete(server.id);
        };
        if (state.opts.evacuationFinishLagMs > 0) state.timers.later(state.opts.evacuationFinishLagMs, commit);
        else commit();
      });
    });
  });
  return mig;
}

function fail(
  state: CloudState,
  server: ServerRec,
  mig: MigrationRec,
  status: 'error' | 'failed',
  message: string,
): void {
  const now = state.clock.now();
  server.vmState = 'error';
  server.taskState = null;
  server.updatedAt = now;
  const exc = status === 'error' ? 'nova.exception.NoValidHost' : 'nova.exception.InvalidSharedStorage';
  server.fault = {
    code: 500,
    message,
    created: now,
    details: `Traceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/nova/conductor/manager.py", line 1143, in rebuild_instance\n${exc}: ${message}\n`,
  };
  mig.status = status;
  mig.updatedAt = now;
  state.evacuations.delete(server.id);
}
