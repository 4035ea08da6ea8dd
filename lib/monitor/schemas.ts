import * as z from 'zod';

/** What a monitor driver observed about one compute service, wire names already mapped. */
export const HostSignalSchema = z.object({
  host: z.string(),
  serviceId: z.string(),
  status: z.enum(['enabled', 'disabled']),
  state: z.enum(['up', 'down']),
  forcedDown: z.boolean(),
  /** Last heartbeat, UTC ISO string, or null if the service never reported. */
  updatedAt: z.string().nullable(),
  disabledReason: z.string().nullable(),
});
export type HostSignal = z.infer<typeof HostSignalSchema>;

/** One observation of the whole cloud, or why we could not get one. */
export type Observed =
  | { ok: true; signals: HostSignal[]; /** The API's own clock (Date header). */ serverDate?: Date }
  | { ok: false; error: { name: string; message: string } };

export const VerdictSchema = z.enum(['healthy', 'suspect', 'failed', 'fenced', 'disabled', 'excluded', 'in-flight']);
export type Verdict = z.infer<typeof VerdictSchema>;

export const HostDecisionSchema = z.object({
  host: z.string(),
  verdict: VerdictSchema,
  state: z.string(),
  status: z.string(),
  forcedDown: z.boolean(),
  heartbeatAgeSeconds: z.number().nullable(),
  suspectSince: z.string().nullable(),
  reason: z.string(),
});
export type HostDecision = z.infer<typeof HostDecisionSchema>;

export const GateSchema = z.object({
  gate: z.enum(['observer', 'all-stale', 'storm', 'in-flight', 'paused']),
  reason: z.string(),
  hosts: z.array(z.string()).default([]),
});
export type Gate = z.infer<typeof GateSchema>;

export const RecoveryRequestSchema = z.object({
  host: z.string(),
  incidentId: z.string(),
  reason: z.string(),
  detectedAt: z.string(),
});
export type RecoveryRequest = z.infer<typeof RecoveryRequestSchema>;

/** What heartbeat ages were read against: Nova's Date header, the freshest heartbeat, or our clock. */
export const ClockSourceSchema = z.enum(['server', 'heartbeat', 'local']);
export type ClockSource = z.infer<typeof ClockSourceSchema>;

export const MonitorDecisionSchema = z.object({
  at: z.string(),
  clock: ClockSourceSchema,
  hosts: z.array(HostDecisionSchema),
  gates: z.array(GateSchema),
  recover: z.array(RecoveryRequestSchema),
});
export type MonitorDecision = z.infer<typeof MonitorDecisionSchema>;
