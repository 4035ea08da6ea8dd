import * as z from 'zod';

/** The capacity check (lib/capacity): `freezer-dr capacity`, the scheduled run and the incident headroom. */
export const CapacitySchema = z
  .object({
    /**
     * Run the capacity check on a schedule (the local watcher every `intervalHours`, the daily
     * preflight Lambda in AWS) and mail the admins once when the cloud can no longer absorb the
     * loss of its worst-case host. Defaults to true.
     */
    scheduled: z.boolean().default(true),
    /** Hours between scheduled runs of the local watcher. Defaults to 24. */
    intervalHours: z.number().positive({ message: 'expected a positive number of hours' }).default(24),
    /**
     * Measure the headroom left when an incident closes and show it in the admin summary
     * (bounded by `timeoutSeconds`; a failure is recorded, never blocks the mail). Defaults to true.
     */
    headroomInSummary: z.boolean().default(true),
    /** Longest a capacity run may take before it is abandoned (seconds). Defaults to 30. */
    timeoutSeconds: z.number().positive({ message: 'expected a positive number of seconds' }).default(30),
  })
  .strict();
export type CapacityConfig = z.infer<typeof CapacitySchema>;
