import * as z from 'zod';

/** A reserved host that was considered and not used, with why (an operator reads it to fix the pool). */
export const RejectedReservedHostSchema = z.object({ host: z.string(), reason: z.string() });

/**
 * What an incident did with reserved hosts (`incident.reservedHost`): which one was enabled, why
 * none was, and what became of it after the evacuations. Additive to the incident record: an
 * incident without reserved hosts configured keeps `null`.
 */
export const ReservedHostRecordSchema = z.object({
  /** The reserved host chosen for this incident; null when none matched or none was usable. */
  host: z.string().nullable(),
  /** Its nova-compute service id (2.53 UUID). */
  serviceId: z.string().nullable().default(null),
  mode: z.enum(['scheduler', 'target']),
  /** How it matched the failed host, in words ("aggregate rack-a", "availability zone az1", ...). */
  matchedBy: z.string().nullable().default(null),
  /**
   * `none`: no reserved host used, the scheduler places everything (see `reason`).
   * `enabling`: the enable request is being sent (a resumed run reads Nova again).
   * `enabled`: enabled by this incident, evacuations may land on it.
   * `enable-failed`: Nova did not confirm the enable; the scheduler places everything.
   * `returned`: disabled again after the evacuations, nothing landed on it.
   * `kept`: something landed on it, so it stays enabled (see `landed`).
   * `release-failed`: it could not be returned; it may still be enabled (see `reason`).
   */
  status: z.enum(['none', 'enabling', 'enabled', 'enable-failed', 'returned', 'kept', 'release-failed']),
  /** Why no reserved host is used, or what the release found. */
  reason: z.string().nullable().default(null),
  /** Its disabled reason before we enabled it: given back when it returns to the pool. */
  originalReason: z.string().nullable().default(null),
  rejected: z.array(RejectedReservedHostSchema).default([]),
  /** Servers already on it when it was enabled (a spare normally has none): they are not "landed". */
  preexisting: z.array(z.string()).default([]),
  /** What landed on it (server names, or evacuations still heading there), read at release. */
  landed: z.array(z.string()).default([]),
  enabledAt: z.string().nullable().default(null),
  releasedAt: z.string().nullable().default(null),
});
export type ReservedHostRecord = z.infer<typeof ReservedHostRecordSchema>;
