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

/**
 * healthy · suspect (both signals say dead, within grace) · failed (would be recovered) · fenced
 * (forced down) · disabled (an operator's) · excluded · in-flight (an incident is open) ·
 * host-answers (Nova says down, the second signal says alive: never fenced) · unconfirmed (Nova
 * says down, no usable second reading: not fenced) · fence-failed (the last fence failed and the
 * host still looks dead: an operator must act).
 */
export const VerdictSchema = z.enum([
  'healthy',
  'suspect',
  'failed',
  'fenced',
  'disabled',
  'excluded',
  'in-flight',
  'host-answers',
  'unconfirmed',
  'fence-failed',
]);
export type Verdict = z.infer<typeof VerdictSchema>;

export const HostDecisionSchema = z.object({
  host: z.string(),
  verdict: VerdictSchema,
  state: z.string(),
  status: z.string(),
  forcedDown: z.boolean(),
  heartbeatAgeSeconds: z.number().nullable(),
  suspectSince: z.string().nullable(),
  /**
   * Seconds spent as a suspect so far (from the persisted observations), with the grace it must
   * reach; for host-answers, how long Nova has called it down while it answers.
   */
  suspectForSeconds: z.number().nullable().default(null),
  graceSeconds: z.number().nullable().default(null),
  /** What the second signal said about the host, when one is configured and could be read. */
  secondSignal: z.object({ reachability: z.string(), detail: z.string() }).nullable().default(null),
  /** The incident a recovery would open (failed), or the one an operator must look at (fence-failed, in-flight). */
  incidentId: z.string().nullable().default(null),
  reason: z.string(),
});
export type HostDecision = z.infer<typeof HostDecisionSchema>;

export const GateSchema = z.object({
  gate: z.enum([
    'observer',
    'all-stale',
    'storm',
    'partition',
    'aggregate',
    'no-second-signal',
    'in-flight',
    'paused',
    'host-answers',
    'unconfirmed',
    'fence-failed',
  ]),
  reason: z.string(),
  hosts: z.array(z.string()).default([]),
  /** Blocking: nothing is fenced this pass. Otherwise only `hosts` are held (or it is only news). */
  blocking: z.boolean().default(true),
  /** What makes one alert episode (the gate name, or gate + host for per-host news). */
  key: z.string().optional(),
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

/** Whether recoveries are paused, by what and since when (from the store, or the config). */
export const PauseStateSchema = z.object({
  paused: z.boolean(),
  source: z.enum(['config', 'store']).nullable(),
  since: z.string().nullable(),
  by: z.string().nullable(),
});
export type PauseState = z.infer<typeof PauseStateSchema>;

export const MonitorDecisionSchema = z.object({
  at: z.string(),
  clock: ClockSourceSchema,
  /** How a failure is confirmed this pass, and what the second source said overall. */
  confirmation: z.enum(['second-signal', 'nova-only']).default('nova-only'),
  secondSource: z.string().nullable().default(null),
  pause: PauseStateSchema.optional(),
  hosts: z.array(HostDecisionSchema),
  gates: z.array(GateSchema),
  recover: z.array(RecoveryRequestSchema),
});
export type MonitorDecision = z.infer<typeof MonitorDecisionSchema>;

/** What the second signal says about one host: alive, unreachable, or no usable reading. */
export const ReachabilitySchema = z.enum(['alive', 'unreachable', 'unknown']);
export type Reachability = z.infer<typeof ReachabilitySchema>;

export const HostReachabilitySchema = z.object({
  reachability: ReachabilitySchema,
  /** In words, for check and the logs: "up=1 (instance compute-1:9100)", "22/tcp timed out". */
  detail: z.string(),
});
export type HostReachability = z.infer<typeof HostReachabilitySchema>;

/** One reading of the second signal for every host asked about, or why it could not be read. */
export type SecondObserved =
  | { ok: true; source: string; hosts: Record<string, HostReachability> }
  | { ok: false; source: string; error: { name: string; message: string } };

/** A Nova aggregate's freezer-dr limit, as read from its metadata (parsed, or why not). */
export const AggregateLimitSchema = z.object({
  name: z.string(),
  availabilityZone: z.string().nullable(),
  hosts: z.array(z.string()),
  /** `freezer-dr:max_failures` as a whole number, or null with `invalid` saying why. */
  maxFailures: z.number().int().min(0).nullable(),
  invalid: z.string().nullable(),
});
export type AggregateLimit = z.infer<typeof AggregateLimitSchema>;

/** A recovery that counts for the storm gate: in flight, or ended within the recent window. */
export const RecentRecoverySchema = z.object({
  host: z.string(),
  incidentId: z.string(),
  status: z.string(),
  closedAt: z.string().nullable(),
});
export type RecentRecovery = z.infer<typeof RecentRecoverySchema>;

/** The last fence-failed incident of a host that still looks dead: the monitor names it, never restarts it silently. */
export const FenceFailedSchema = z.object({
  host: z.string(),
  incidentId: z.string(),
  closedAt: z.string().nullable(),
  error: z.string().nullable(),
  /** Re-fence attempts already made for this episode. */
  attempts: z.number().int().min(0),
  /** The id the next re-fence attempt would use (when the policy allows one). */
  nextIncidentId: z.string(),
});
export type FenceFailed = z.infer<typeof FenceFailedSchema>;
