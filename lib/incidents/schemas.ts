import { z } from 'zod';

export const FenceResultSchema = z.object({
  fenced: z.literal(true),
  /** Driver that confirmed power off, or "operator" when an operator confirmed it. */
  method: z.string(),
  target: z.string(),
  confirmedAt: z.string(),
  /** Power-state reads until off was confirmed (0 when it was already off or operator-confirmed). */
  attempts: z.number().int().min(0),
  alreadyOff: z.boolean().default(false),
});
export type FenceResult = z.infer<typeof FenceResultSchema>;

export const IsolationSchema = z.object({
  serviceId: z.string(),
  forcedDownAt: z.string(),
  disabledAt: z.string(),
  disabledReason: z.string(),
});
export type Isolation = z.infer<typeof IsolationSchema>;

export const PlanItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  projectId: z.string(),
  vmState: z.string(),
  priority: z.number().int(),
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
  };
}

export const NotificationRecordSchema = z.object({
  channel: z.string(),
  recipient: z.string(),
  kind: z.enum(['project', 'admin']),
  ok: z.boolean(),
  detail: z.string().nullable().default(null),
  at: z.string(),
  messageId: z.string().nullable().default(null),
});
export type NotificationRecord = z.infer<typeof NotificationRecordSchema>;

export const IncidentStatusSchema = z.enum([
  'open',
  'fencing',
  'fenced',
  'isolated',
  'evacuating',
  'notifying',
  /** Terminal: every evacuable instance is ACTIVE elsewhere. */
  'resolved',
  /** Terminal: some instances were evacuated, others failed or timed out. */
  'partial',
  /** Terminal: no instance was evacuated and every one that was tried ran out of time (or a Task timed out). */
  'timed-out',
  /** Terminal: fencing was not confirmed — nothing was evacuated (S1). */
  'fence-failed',
  /** Terminal: stopped by an error before evacuation finished, or no instance was evacuated. */
  'failed',
  /** Terminal: a dry run; nothing was changed. */
  'dry-run',
]);
export type IncidentStatus = z.infer<typeof IncidentStatusSchema>;
export const TERMINAL_STATUSES: ReadonlySet<IncidentStatus> = new Set([
  'resolved',
  'partial',
  'timed-out',
  'fence-failed',
  'failed',
  'dry-run',
]);

export const IncidentSchema = z.object({
  id: z.string(),
  host: z.string(),
  status: IncidentStatusSchema,
  reason: z.string(),
  requestedBy: z.string(),
  detectedAt: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable().default(null),
  dryRun: z.boolean().default(false),
  fence: FenceResultSchema.nullable().default(null),
  isolation: IsolationSchema.nullable().default(null),
  plan: PlanSchema.nullable().default(null),
  error: z.object({ name: z.string(), message: z.string() }).nullable().default(null),
  notifications: z.array(NotificationRecordSchema).default([]),
});
export type Incident = z.infer<typeof IncidentSchema>;
export type IncidentPatch = Partial<Omit<Incident, 'id' | 'host' | 'createdAt'>>;

export const TimelineEventSchema = z.object({
  at: z.string(),
  step: z.enum(['detect', 'fence', 'isolate', 'plan', 'evacuate', 'notify', 'gate', 'done', 'error']),
  message: z.string(),
  instanceId: z.string().nullable().default(null),
});
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;

/** What the monitor remembers about a host between passes (grace periods survive restarts). */
export const ObservationSchema = z.object({
  host: z.string(),
  suspectSince: z.string().nullable(),
  lastSeenAt: z.string(),
  lastState: z.string(),
});
export type Observation = z.infer<typeof ObservationSchema>;
