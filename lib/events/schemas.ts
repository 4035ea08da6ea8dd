import * as z from 'zod';

/**
 * Lifecycle events: one per step of an incident, published to EventBridge in AWS (source
 * `freezer-dr`, detail-type `freezer-dr.<type>`) and locally to the log and an optional webhook.
 * `version` is the schema's major version: a field is only ever added within it; renaming or
 * removing one makes version "2". docs/events.schema.json is generated from this file (the
 * test keeps them equal), so a rule or a consumer can validate what it receives.
 */
export const EVENT_SCHEMA_VERSION = '1';
export const EVENT_SOURCE = 'freezer-dr';

export const EventTypeSchema = z.enum([
  'detected',
  'gate.fired',
  'fence.started',
  'fence.confirmed',
  'fence.failed',
  'isolated',
  'evacuation.started',
  'instance.evacuated',
  'instance.failed',
  'recovery.completed',
  'recovery.partial',
  'recovery.failed',
  'returned-to-service',
]);
export type EventType = z.infer<typeof EventTypeSchema>;

const Instance = z
  .object({
    id: z.string(),
    name: z.string(),
    projectId: z.string(),
    sourceHost: z.string(),
    targetHost: z.string().nullable(),
    outcome: z.enum(['evacuated', 'failed', 'timeout', 'skipped']),
    reason: z.string().nullable(),
  })
  .strict();

/** What each type carries besides the common fields; nothing else is allowed (`strict`). */
export const EventDataSchemas = {
  detected: z.object({ reason: z.string(), requestedBy: z.string() }).strict(),
  'gate.fired': z.object({ gate: z.string(), reason: z.string(), hosts: z.array(z.string()) }).strict(),
  'fence.started': z.object({ driver: z.string() }).strict(),
  'fence.confirmed': z.object({ driver: z.string(), attempts: z.number().int(), alreadyOff: z.boolean() }).strict(),
  'fence.failed': z.object({ driver: z.string(), error: z.string() }).strict(),
  isolated: z.object({ serviceId: z.string(), disabledReason: z.string() }).strict(),
  'evacuation.started': z.object({ instances: z.number().int(), skipped: z.number().int() }).strict(),
  'instance.evacuated': z.object({ instance: Instance }).strict(),
  'instance.failed': z.object({ instance: Instance }).strict(),
  'recovery.completed': z.object({ outcome: z.literal('resolved'), evacuated: z.number().int() }).strict(),
  'recovery.partial': z
    .object({ outcome: z.literal('partial'), evacuated: z.number().int(), notRecovered: z.number().int() })
    .strict(),
  'recovery.failed': z
    .object({
      outcome: z.enum(['failed', 'timed-out', 'fence-failed']),
      evacuated: z.number().int(),
      notRecovered: z.number().int(),
      error: z.string().nullable(),
    })
    .strict(),
  'returned-to-service': z.object({ serviceId: z.string() }).strict(),
} as const satisfies Record<EventType, z.ZodType>;

const common = {
  version: z.literal(EVENT_SCHEMA_VERSION),
  /**
   * Stable per incident, type and instance: a retried or resumed step publishes the same id
   * again, so a consumer can drop repeats. Random for events without an incident (gates, return).
   */
  id: z.string().uuid(),
  /** When it happened (ISO 8601, UTC). */
  time: z.string(),
  /** The incident it belongs to; null for a gate, which belongs to a monitor pass. */
  incidentId: z.string().nullable(),
  /** The compute host; null for a gate that holds back several (they are in `data.hosts`). */
  host: z.string().nullable(),
};

/** One lifecycle event (EventBridge's `detail`). */
export const LifecycleEventSchema = z.discriminatedUnion(
  'type',
  EventTypeSchema.options.map((type) =>
    z.object({ ...common, type: z.literal(type), data: EventDataSchemas[type] }).strict(),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

export type EventData<T extends EventType> = z.infer<(typeof EventDataSchemas)[T]>;
export interface LifecycleEvent<T extends EventType = EventType> {
  version: typeof EVENT_SCHEMA_VERSION;
  id: string;
  time: string;
  type: T;
  incidentId: string | null;
  host: string | null;
  data: EventData<T>;
}
