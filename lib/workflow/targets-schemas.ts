import * as z from 'zod';
import { HostNameSchema } from '../config/index.js';

/** PrepareTargets / ReleaseTargets: one Task function, the action says which end of the evacuations it is. */
export const TargetsStepInputSchema = z.object({
  incidentId: z.string(),
  host: HostNameSchema,
  action: z.enum(['prepare', 'release']),
});
export type TargetsStepInput = z.infer<typeof TargetsStepInputSchema>;

/** What the execution state keeps of it (the whole record is the incident's `reservedHost`). */
export const TargetsStepOutputSchema = z.object({
  reservedHost: z.string().nullable(),
  status: z.string(),
  mode: z.enum(['scheduler', 'target']),
});
export type TargetsStepOutput = z.infer<typeof TargetsStepOutputSchema>;
