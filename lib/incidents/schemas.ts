import * as z from 'zod';
import { FenceResultSchema } from '../fencing/index.js';
import { PlanSchema, ReservedHostRecordSchema } from '../evacuation/index.js';
import { IncidentHeadroomSchema } from './headroom.js';

export const IsolationSchema = z.object({
  serviceId: z.string(),
  forcedDownAt: z.string(),
  disabledAt: z.string(),
  disabledReason: z.string(),
});
export type Isolation = z.infer<typeof IsolationSchema>;

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
  fence: z.nullable(FenceResultSchema).default(null),
  isolation: IsolationSchema.nullable().default(null),
  plan: PlanSchema.nullable().default(null),
  error: z.object({ name: z.string(), message: z.string() }).nullable().default(null),
  notifications: z.array(NotificationRecordSchema).default([]),
  /** The reserved host this incident enabled (or why none), and what became of it; absent without evacuation.reservedHosts. */
  reservedHost: ReservedHostRecordSchema.nullish(),
  /** Room left in the cloud when the incident closed (lib/capacity); absent when not measured. */
  headroom: IncidentHeadroomSchema.nullish(),
});
export type Incident = z.infer<typeof IncidentSchema>;
export type IncidentPatch = Partial<Omit<Incident, 'id' | 'host' | 'createdAt'>>;

export const TimelineEventSchema = z.object({
  at: z.string(),
  /** `resume`: a new execution picked up the incident after the previous one stopped (crash, SIGINT). */
  step: z.enum(['detect', 'fence', 'isolate', 'plan', 'evacuate', 'notify', 'gate', 'done', 'error', 'resume']),
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
  /** Last pass (our clock) that saw the host healthy: a fence-failed incident older than this is over. */
  lastHealthyAt: z.string().nullish(),
  /** Since when Nova has called the host down while the second signal says it answers. */
  answersSince: z.string().nullish(),
});
export type Observation = z.infer<typeof ObservationSchema>;
