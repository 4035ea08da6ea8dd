import type * as Lib from '@aws-sdk/lib-dynamodb';
import { IncidentExistsError, StoreError } from './errors.js';
import { IncidentSchema, TERMINAL_STATUSES, type Incident } from './schemas.js';

/*
 * S4 on DynamoDB without transactions: the lock item HOST#<host>/OPEN is written first with
 * `attribute_not_exists(pk) OR incidentId = :id`, then the incident's META item with
 * `attribute_not_exists(pk)`; closing writes META first, then deletes the lock conditionally on its
 * incidentId. So "an open META has its lock" always holds, and a crash between the two writes
 * leaves only a lock that the next writer recognises as stale (its META is terminal, or it has no
 * META after ORPHAN_LOCK_SECONDS) and takes over. Single-item conditional writes only, so the same
 * code runs on DynamoDB and on dynalite (no TransactWriteItems) and the suite tests the real path.
 */

/** A lock whose incident never got written (its creator crashed) is taken over after this long. */
export const ORPHAN_LOCK_SECONDS = 900;
const MAX_ATTEMPTS = 8;

/** What the lock code needs from the store: the SDK, the table, the clock, and a META read. */
export interface LockDeps {
  lib: typeof Lib;
  doc: Lib.DynamoDBDocumentClient;
  TableName: string;
  now: () => Date;
  readIncident(id: string): Promise<Incident | undefined>;
}

type Lock = { incidentId: string; acquiredAt: string; snapshot: Incident };

export const lockKey = (host: string) => ({ pk: `HOST#${host}`, sk: 'OPEN' });
const isOpen = (i: Incident) => !TERMINAL_STATUSES.has(i.status);
export const isConditionFailed = (err: unknown): boolean =>
  (err as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

async function readLock(d: LockDeps, host: string): Promise<Lock | undefined> {
  const item = (
    await d.doc.send(new d.lib.GetCommand({ TableName: d.TableName, Key: lockKey(host), ConsistentRead: true }))
  ).Item;
  if (!item) return undefined;
  return {
    incidentId: String(item.incidentId),
    acquiredAt: String(item.acquiredAt),
    snapshot: IncidentSchema.parse(item.snapshot),
  };
}

/** What a lock held by another incident means: that incident (still open or being created), or stale. */
async function judgeLock(d: LockDeps, lock: Lock): Promise<{ live: Incident } | { stale: true }> {
  const incident = await d.readIncident(lock.incidentId);
  if (incident) return isOpen(incident) ? { live: incident } : { stale: true };
  const ageSeconds = (d.now().getTime() - Date.parse(lock.acquiredAt)) / 1000;
  return ageSeconds < ORPHAN_LOCK_SECONDS ? { live: lock.snapshot } : { stale: true };
}

/** The open incident holding the host's lock, if the lock is live. */
export async function openIncidentOf(d: LockDeps, host: string): Promise<Incident | undefined> {
  const lock = await readLock(d, host);
  if (!lock) return undefined;
  const verdict = await judgeLock(d, lock);
  return 'live' in verdict ? verdict.live : undefined;
}

export async function releaseLock(d: LockDeps, host: string, incidentId: string): Promise<void> {
  try {
    await d.doc.send(
      new d.lib.DeleteCommand({
        TableName: d.TableName,
        Key: lockKey(host),
        ConditionExpression: '#iid = :id',
        ExpressionAttributeNames: { '#iid': 'incidentId' },
        ExpressionAttributeValues: { ':id': incidentId },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err; // someone else's lock by now: leave it
  }
}

/** S4: take HOST#<host>/OPEN for this incident, or throw IncidentExistsError with the holder. */
export async function acquireLock(d: LockDeps, incident: Incident): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      await d.doc.send(
        new d.lib.PutCommand({
          TableName: d.TableName,
          Item: {
            ...lockKey(incident.host),
            incidentId: incident.id,
            acquiredAt: d.now().toISOString(),
            snapshot: incident,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #iid = :id',
          ExpressionAttributeNames: { '#iid': 'incidentId' },
          ExpressionAttributeValues: { ':id': incident.id },
        }),
      );
      return;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
    const holder = await readLock(d, incident.host);
    if (!holder || holder.incidentId === incident.id) continue; // released meanwhile: try again
    const verdict = await judgeLock(d, holder);
    if ('live' in verdict) throw new IncidentExistsError(verdict.live);
    await releaseLock(d, incident.host, holder.incidentId);
  }
  throw new StoreError(
    `could not take the open-incident lock for host ${incident.host} after ${MAX_ATTEMPTS} attempts`,
  );
}
