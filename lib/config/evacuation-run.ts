import * as z from '../zod-mini.js';

/**
 * Per-instance retries of the Evacuate round. Nova answers NoValidHost (the instance goes ERROR,
 * its evacuation migration `error`) when no host has room at that moment, and a 5xx when the API
 * itself failed: capacity may free up (another instance deleted, a reserved host enabled) and the
 * API may recover, so both are tried again, each time only after Nova shows the previous attempt
 * ended (S5).
 */
export const EvacuationRetriesSchema = z.strictObject({
  /** Retries after the first attempt (0 = fail at the first NoValidHost or 5xx). Defaults to 3. */
  count: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(10)), 3),
  /**
   * Wait before the first retry in seconds, doubled for each further one (±20 % jitter, at most
   * 10 minutes). The instance's own timeout (`instanceTimeoutSeconds`) still covers every attempt.
   * Defaults to 10.
   */
  backoffSeconds: z._default(z.number().check(z.positive({ message: 'expected a positive number of seconds' })), 10),
});
export type EvacuationRetriesConfig = z.infer<typeof EvacuationRetriesSchema>;

/**
 * Lock each instance (microversion 2.73, with a locked_reason naming the incident) while it is
 * being moved, so its owner cannot delete, stop or rebuild it half-way; unlock it once it is
 * settled. An instance its owner had locked is evacuated all the same (an admin's evacuate is not
 * held by a lock) and is never locked or unlocked by us. `false` for clouds older than 2.73
 * (Nova Train). Defaults to true.
 */
export const EvacuationLockSchema = z._default(z.boolean(), true);
