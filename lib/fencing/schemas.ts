import * as z from '../zod-mini.js';

/** What a confirmed power-off leaves in the incident record (S1: `fenced` is only ever true). */
export const FenceResultSchema = z.object({
  fenced: z.literal(true),
  /** Driver that confirmed power off, or "operator" when an operator confirmed it. */
  method: z.string(),
  target: z.string(),
  confirmedAt: z.string(),
  /** Power-state reads until off was confirmed (0 when it was already off or operator-confirmed). */
  attempts: z.number().check(z.int(), z.minimum(0)),
  alreadyOff: z._default(z.boolean(), false),
});
export type FenceResult = z.infer<typeof FenceResultSchema>;
