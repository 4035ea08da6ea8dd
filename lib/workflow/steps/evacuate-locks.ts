import { runPool } from '../../async/index.js';
import { lockReasonFor, type InstanceRecord } from '../../evacuation/index.js';
import {
  ApiServerError,
  getServerLock,
  HttpError,
  lockServer,
  NotFoundError,
  unlockServer,
  type Server,
} from '../../openstack/index.js';
import type { Runtime } from '../runtime.js';

/** Unlock tries without an answer before a round stops waiting for them (a later run still tries). */
export const MAX_UNLOCK_TRIES = 3;
/** Unlocks at once in one round (each is a GET and a POST). */
const UNLOCK_POOL = 16;

type LockFields = Pick<InstanceRecord, 'lockedByUs' | 'lockReason' | 'lockedBefore'>;

/**
 * Whose lock an instance carries before its first evacuate, and whether we take one. Decided once
 * per instance: a record that already says `lockedByUs` or `lockedBefore` is left as it is. We
 * lock only what Nova shows unlocked: an admin's lock on an owner-locked instance would replace
 * the owner's (Nova sets locked_by "admin" and our reason), and our unlock would then lift it.
 * A lock already carrying our exact reason is ours from a run whose record was lost.
 */
export async function planLock(
  rt: Runtime,
  rec: InstanceRecord,
  listed: Server | undefined,
): Promise<{ fields: Partial<LockFields>; take: boolean }> {
  if (!rt.config.evacuation.lock || rec.lockedByUs || (rec.lockedBefore ?? null) !== null)
    return { fields: {}, take: false };
  // Below 2.9 the view does not say: neither lock nor ever unlock.
  if (!listed || listed.locked === null) return { fields: {}, take: false };
  const reason = lockReasonFor(rec.incidentId, rec.sourceHost);
  if (!listed.locked) return { fields: { lockedByUs: true, lockReason: reason, lockedBefore: false }, take: true };
  try {
    const seen = await getServerLock(rt.session, rec.instanceId);
    if (seen.locked && seen.lockedReason === reason)
      return { fields: { lockedByUs: true, lockReason: reason, lockedBefore: false }, take: false };
  } catch (err) {
    rt.log.warn('could not read whose lock an instance carries; it is treated as its owner’s', {
      incidentId: rec.incidentId,
      instanceId: rec.instanceId,
      error: String(err),
    });
  }
  return { fields: { lockedBefore: true }, take: false };
}

/**
 * Our lock request, sent after the record saying `lockedByUs` is written (a crash after it is
 * then seen on resume). A lock never holds back the evacuation: a definite refusal (a cloud below
 * 2.73 answers 400 or 406, a policy 403) leaves the instance unlocked and the record says so; no
 * answer or a 5xx may have locked it, so the record keeps `lockedByUs` and the unlock checks the
 * reason before acting.
 */
export async function takeLock(rt: Runtime, rec: InstanceRecord): Promise<InstanceRecord> {
  const ctx = { incidentId: rec.incidentId, instanceId: rec.instanceId };
  try {
    await lockServer(rt.session, rec.instanceId, rec.lockReason!);
    rt.log.info('instance locked while it is evacuated', { ...ctx, reason: rec.lockReason });
    return rec;
  } catch (err) {
    if (err instanceof HttpError && !(err instanceof ApiServerError)) {
      rt.log.warn('Nova refused the lock; the instance is evacuated unlocked', { ...ctx, error: String(err) });
      return { ...rec, lockedByUs: false };
    }
    rt.log.warn('the lock request got no answer; the unlock checks whose lock it is', { ...ctx, error: String(err) });
    return rec;
  }
}

/** Settled instances whose lock of ours is still to be lifted (also the ones a dead run left). */
export function locksToRelease(records: Iterable<InstanceRecord>, settled: (r: InstanceRecord) => boolean) {
  return [...records].filter((r) => settled(r) && r.lockedByUs && !r.unlockedAt);
}

/**
 * Lift our lock from each settled instance, but only while Nova still shows exactly our reason:
 * an owner's lock (never taken by us) and a lock someone put on since (an admin's lock replaces
 * ours, reason included) are left in place. Each updated record is written and handed to `keep`.
 */
export async function releaseLocks(
  rt: Runtime,
  due: readonly InstanceRecord[],
  keep: (rec: InstanceRecord) => void,
): Promise<void> {
  await runPool(due, UNLOCK_POOL, async (rec) => {
    const next = await release(rt, rec);
    keep(next);
    await rt.store.putInstance(next);
  });
}

async function release(rt: Runtime, rec: InstanceRecord): Promise<InstanceRecord> {
  const ctx = { incidentId: rec.incidentId, instanceId: rec.instanceId };
  const done = (): InstanceRecord => ({ ...rec, unlockedAt: rt.now().toISOString() });
  try {
    const seen = await getServerLock(rt.session, rec.instanceId);
    if (seen.locked && seen.lockedReason === rec.lockReason) {
      await unlockServer(rt.session, rec.instanceId);
      rt.log.info('instance unlocked', ctx);
    } else if (seen.locked) {
      rt.log.warn('someone else locked the instance since we did; it stays locked', {
        ...ctx,
        lockedReason: seen.lockedReason,
      });
    }
    return done();
  } catch (err) {
    if (err instanceof NotFoundError) return done();
    rt.log.warn('could not unlock the instance; a later round or run tries again', { ...ctx, error: String(err) });
    return { ...rec, unlockTries: (rec.unlockTries ?? 0) + 1 };
  }
}
