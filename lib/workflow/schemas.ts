import * as z from 'zod';
import { HostNameSchema } from '../config/index.js';
import { IsolationSchema } from '../incidents/index.js';
import { FenceResultSchema } from '../fencing/index.js';
import { PlanItemSchema, SkippedItemSchema } from '../evacuation/index.js';

/** Execution input as a person or the monitor sends it (StartExecution). Validated in the first state. */
export const ExecutionInputSchema = z
  .object({
    incidentId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, {
      message: 'expected 1–80 characters of letters, digits, "-" and "_" (it is also the execution name)',
    }),
    host: HostNameSchema,
    reason: z.string().min(1).max(1000),
    detectedAt: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time, e.g. 2026-11-25T03:43:18Z' }),
    requestedBy: z.string().min(1).max(200),
    dryRun: z.boolean().default(false),
    /** `confirmed-by-operator`: a person has powered the host off; skip the BMC (S1 by human judgement). */
    fence: z.enum(['bmc', 'confirmed-by-operator']).default('bmc'),
    /**
     * With `confirmed-by-operator`: the operator typed the host name to go on although the BMC
     * read On or Nova saw a fresh heartbeat (the CLI's `--force`). Never set by the monitor.
     */
    operatorOverride: z.boolean().default(false),
  })
  .strict();
export type ExecutionInput = z.output<typeof ExecutionInputSchema>;
export type ExecutionInputRaw = z.input<typeof ExecutionInputSchema>;

/** Bigger than any real input; a larger one is rejected before we parse it. */
export const MAX_INPUT_BYTES = 16 * 1024;

const Ref = { incidentId: z.string(), host: HostNameSchema };

export const FenceStepInputSchema = z.object({ ...Ref, fence: z.enum(['bmc', 'confirmed-by-operator']) });
export const FenceStepOutputSchema = FenceResultSchema;

export const IsolateStepInputSchema = z.object({ ...Ref, fence: FenceResultSchema });
export const IsolateStepOutputSchema = IsolationSchema;

export const PlanStepInputSchema = z.object({ ...Ref, dryRun: z.boolean() });
export const PlanStepOutputSchema = z.object({
  host: z.string(),
  items: z.array(PlanItemSchema),
  skipped: z.array(SkippedItemSchema),
  plannedAt: z.string(),
  /** Evacuations at once (evacuation.concurrency, reported with the plan). */
  concurrency: z.number().int().min(1),
  /** evacuation.postFenceDelaySeconds: the PostFenceDelay Wait's length (0 skips it). */
  postFenceDelaySeconds: z.number().int().min(0),
  /** Whether evacuation.reservedHosts is set: the PrepareTargets / ReleaseTargets Tasks run only then. */
  reservedHostsConfigured: z.boolean(),
});
export type PlanStepOutput = z.infer<typeof PlanStepOutputSchema>;

export const EvacuationStatusSchema = z.enum(['in-progress', 'evacuated', 'failed', 'timeout', 'skipped']);
export const EvacuationStateSchema = z.object({
  instanceId: z.string(),
  status: EvacuationStatusSchema,
  targetHost: z.string().nullable(),
  reason: z.string().nullable(),
  startedAt: z.string(),
});
export type EvacuationState = z.infer<typeof EvacuationStateSchema>;

/** One round of the Evacuate loop: `round` counts the rounds before it (0 for the first). */
export const EvacuateRoundInputSchema = z.object({
  ...Ref,
  round: z.number().int().min(0),
  /** When the previous round's listing of the host was sent (its `listedAt`); null before the first round. */
  listedAt: z.string().nullish(),
});
export const EvacuateRoundOutputSchema = z.object({
  round: z.number().int().min(1),
  done: z.boolean(),
  pending: z.number().int().min(0),
  inFlight: z.number().int().min(0),
  finished: z.number().int().min(0),
  /** Of `pending`, those waiting for the backoff of a retry (NoValidHost, a 5xx). */
  retrying: z.number().int().min(0).optional(),
  /** The restart group being evacuated (its `group` value, its place in the plan, how many there are); absent once all are settled. */
  group: z
    .object({ value: z.number().int(), position: z.number().int().min(1), of: z.number().int().min(1) })
    .optional(),
  /** When the next round runs (drives the Wait's TimestampPath; milliseconds allowed). */
  nextCheckAt: z.string(),
  /** When this round's listing of the host was sent: the next round's input, so it knows what this one saw in flight. */
  listedAt: z.string(),
  /** Set on the last round: one state per planned instance, in plan order (Notify's input). */
  results: z.array(EvacuationStateSchema).optional(),
});
export type EvacuateRoundOutput = z.infer<typeof EvacuateRoundOutputSchema>;

/** What one Map iteration ends with: its evacuation state, or the error that stopped it. */
export const EvacuationResultSchema = z.union([
  EvacuationStateSchema,
  z.object({
    instanceId: z.string(),
    status: z.literal('failed'),
    error: z.object({ Error: z.string(), Cause: z.string().optional() }),
  }),
]);

export const StepErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() });
export type StepError = z.infer<typeof StepErrorSchema>;

export const NotifyStepInputSchema = z.object({
  ...Ref,
  evacuations: z.array(EvacuationResultSchema).optional(),
  /** Set when the run stopped early (fence not confirmed, isolate failed, ...). */
  failure: StepErrorSchema.optional(),
});
export const NotifyStepOutputSchema = z.object({
  status: z.string(),
  delivered: z.number().int(),
  failed: z.number().int(),
  /** The outcome in one line, the admins told or not, the store written or not: the Fail state's Cause. */
  summary: z.string(),
});
