import * as z from 'zod';

/**
 * Per-instance retries of the Evacuate round. Nova answers NoValidHost (the instance goes ERROR,
 * its evacuation migration `error`) when no host has room at that moment, and a 5xx when the API
 * itself failed: capacity may free up (another instance deleted, a reserved host enabled) and the
 * API may recover, so both are tried again, each time only after Nova shows the previous attempt
 * ended (S5).
 */
export const EvacuationRetriesSchema = z
  .object({
    /** Retries after the first attempt (0 = fail at the first NoValidHost or 5xx). Defaults to 3. */
    count: z.number().int().min(0).max(10).default(3),
    /**
     * Wait before the first retry in seconds, doubled for each further one (±20 % jitter, at most
     * 10 minutes). The instance's own timeout (`instanceTimeoutSeconds`) still covers every attempt.
     * Defaults to 10.
     */
    backoffSeconds: z.number().positive({ message: 'expected a positive number of seconds' }).default(10),
  })
  .strict();
export type EvacuationRetriesConfig = z.infer<typeof EvacuationRetriesSchema>;

/**
 * Lock each instance (microversion 2.73, with a locked_reason naming the incident) while it is
 * being moved, so its owner cannot delete, stop or rebuild it half-way; unlock it once it is
 * settled. An instance its owner had locked is evacuated all the same (an admin's evacuate is not
 * held by a lock) and is never locked or unlocked by us. `false` for clouds older than 2.73
 * (Nova Train). Defaults to true.
 */
export const EvacuationLockSchema = z.boolean().default(true);
