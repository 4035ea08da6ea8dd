import * as z from 'zod';

export const PlanItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  projectId: z.string(),
  vmState: z.string(),
  priority: z.number().int(),
  /** Restart group: items come sorted by group, then priority; a group starts once the one before it is settled. */
  group: z.number().int().default(0),
  /** Booted from a volume (Nova's `image` is ""): its disk survives an evacuation; a local root disk is rebuilt from its image. */
  volumeBacked: z.boolean().default(false),
});
export type PlanItem = z.infer<typeof PlanItemSchema>;

export const SkippedItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  projectId: z.string(),
  reason: z.string(),
});
export type SkippedItem = z.infer<typeof SkippedItemSchema>;

export const PlanSchema = z.object({
  host: z.string(),
  items: z.array(PlanItemSchema),
  skipped: z.array(SkippedItemSchema),
  plannedAt: z.string(),
});
export type Plan = z.infer<typeof PlanSchema>;

export const InstanceOutcomeSchema = z.enum(['pending', 'evacuating', 'evacuated', 'failed', 'skipped', 'timeout']);
export type InstanceOutcome = z.infer<typeof InstanceOutcomeSchema>;

/** One evacuation attempt that ended failed and was (or was not yet) retried. */
export const AttemptSchema = z.object({
  endedAt: z.string(),
  /** Nova's fault message, or the API's answer. */
  reason: z.string(),
});
export type Attempt = z.infer<typeof AttemptSchema>;

export const InstanceRecordSchema = z.object({
  incidentId: z.string(),
  instanceId: z.string(),
  name: z.string(),
  projectId: z.string(),
  sourceHost: z.string(),
  targetHost: z.string().nullable().default(null),
  outcome: InstanceOutcomeSchema,
  /** Why it failed or was skipped, in words (Nova's fault message when there is one). */
  reason: z.string().nullable().default(null),
  /** Evacuate requests we sent for it. S5: more than one only after Nova reported the previous one failed. */
  requests: z.number().int().min(0).default(0),
  migrationId: z.number().nullable().default(null),
  startedAt: z.string().nullable().default(null),
  finishedAt: z.string().nullable().default(null),
  /** When our last evacuate request was sent: an unanswered one is re-sent only well after it (S5). */
  requestedAt: z.string().nullish(),
  /** When Nova answered 200 to it: from then on Nova must have a migration of ours. */
  acceptedAt: z.string().nullish(),
  /**
   * When the last listing that still showed it in flight was sent, if that was after `acceptedAt`:
   * with `finishedAt` it brackets how long Nova took, which aims the checks of later requests.
   */
  inFlightAt: z.string().nullish(),
  /** Attempts that ended failed (Nova's NoValidHost, a 5xx answer) before the current one, oldest first. */
  attempts: z.array(AttemptSchema).optional(),
  /** A failed attempt is retried no sooner than this (the configured backoff). */
  retryAt: z.string().nullish(),
  /** Nova showed the instance locked before we touched it (its owner's lock): never locked or unlocked by us. */
  lockedBefore: z.boolean().nullish(),
  /** Written BEFORE our lock request, so a crash after it is seen on resume; unlocked only while Nova shows `lockReason`. */
  lockedByUs: z.boolean().optional(),
  /** The locked_reason we sent (2.73): an unlock happens only while Nova still shows exactly this reason. */
  lockReason: z.string().nullish(),
  /** When our lock was lifted (or found gone): from then on nothing is left to unlock. */
  unlockedAt: z.string().nullish(),
  /** Unlock tries that failed; after a few the round stops waiting for them and a later run tries again. */
  unlockTries: z.number().int().min(0).optional(),
});
export type InstanceRecord = z.infer<typeof InstanceRecordSchema>;

/** The record of an instance the incident has not acted on yet. */
export function newInstanceRecord(
  incidentId: string,
  sourceHost: string,
  instance: { id: string; name: string; projectId: string },
): InstanceRecord {
  return {
    incidentId,
    instanceId: instance.id,
    name: instance.name,
    projectId: instance.projectId,
    sourceHost,
    targetHost: null,
    outcome: 'pending',
    reason: null,
    requests: 0,
    migrationId: null,
    startedAt: null,
    finishedAt: null,
    requestedAt: null,
    acceptedAt: null,
    attempts: [],
    lockedByUs: false,
    unlockTries: 0,
  };
}
