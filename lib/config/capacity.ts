import * as z from '../zod-mini.js';

/** The capacity check (lib/capacity): `freezer-dr capacity`, the scheduled run and the incident headroom. */
export const CapacitySchema = z.strictObject({
  /**
   * Run the capacity check on a schedule (the local watcher every `intervalHours`, the daily
   * preflight Lambda in AWS) and mail the admins once when the cloud can no longer absorb the
   * loss of its worst-case host. Defaults to true.
   */
  scheduled: z._default(z.boolean(), true),
  /** Hours between scheduled runs of the local watcher. Defaults to 24. */
  intervalHours: z._default(z.number().check(z.positive({ message: 'expected a positive number of hours' })), 24),
  /**
   * Measure the headroom left when an incident closes and show it in the admin summary
   * (bounded by `timeoutSeconds`; a failure is recorded, never blocks the mail). Defaults to true.
   */
  headroomInSummary: z._default(z.boolean(), true),
  /** Longest a capacity run may take before it is abandoned (seconds). Defaults to 30. */
  timeoutSeconds: z._default(z.number().check(z.positive({ message: 'expected a positive number of seconds' })), 30),
});
export type CapacityConfig = z.infer<typeof CapacitySchema>;
