import * as z from 'zod';

/**
 * The room left in the cloud when an incident closed (lib/capacity), shown in the admin summary:
 * what the hosts that take evacuated instances still had free, and whether the loss of one more
 * host (the worst case) would be absorbed. `error` says why it could not be measured.
 */
export const IncidentHeadroomSchema = z.object({
  at: z.string(),
  hosts: z.number().int(),
  capacity: z.record(z.string(), z.number()),
  free: z.record(z.string(), z.number()),
  worstCase: z
    .object({ host: z.string(), fits: z.boolean(), headroomPercent: z.number().nullable() })
    .nullable()
    .default(null),
  error: z.string().nullable().default(null),
});
export type IncidentHeadroom = z.infer<typeof IncidentHeadroomSchema>;
