import * as z from 'zod';

/** The resource classes the estimate packs: what Nova's scheduler claims for a flavor. */
export const RESOURCE_CLASSES = ['VCPU', 'MEMORY_MB', 'DISK_GB'] as const;
export const ResourceClassSchema = z.enum(RESOURCE_CLASSES);
export type ResourceClass = z.infer<typeof ResourceClassSchema>;

/** An amount per resource class (a class absent means 0). */
export const ResourcesSchema = z.partialRecord(ResourceClassSchema, z.number());
export type Resources = z.infer<typeof ResourcesSchema>;

/** One class of one host's Placement inventory, as the estimate uses it. */
export const ClassCapacitySchema = z.object({
  total: z.number(),
  reserved: z.number(),
  allocationRatio: z.number(),
  minUnit: z.number(),
  maxUnit: z.number(),
  stepSize: z.number(),
  used: z.number(),
});
export type ClassCapacity = z.infer<typeof ClassCapacitySchema>;

/** A compute host as the estimate sees it: Nova's view, Placement's inventory, freezer-dr's incidents. */
export const HostViewSchema = z.object({
  host: z.string(),
  zone: z.string().nullable(),
  aggregates: z.array(z.string()),
  /** Nova: up / enabled / forced down. */
  up: z.boolean(),
  enabled: z.boolean(),
  forcedDown: z.boolean(),
  /** A disabled host kept as a spare (reserved): counted as room. */
  reserved: z.boolean(),
  /** Why it takes no evacuated instance (null: it can). */
  excluded: z.string().nullable(),
  providerUuid: z.string().nullable(),
  capacity: z.partialRecord(ResourceClassSchema, ClassCapacitySchema),
  /** A problem reading its Placement data (it then counts as no room). */
  problem: z.string().nullable(),
});
export type HostView = z.infer<typeof HostViewSchema>;

/** An instance that would need a new host, with what Placement says it holds. */
export const DemandSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** null: its size is unknown (no allocation found): it counts as not placed. */
  resources: ResourcesSchema.nullable(),
});
export type Demand = z.infer<typeof DemandSchema>;

export const UnplacedSchema = z.object({ id: z.string(), name: z.string(), reason: z.string() });

/** Whether one set of target hosts absorbs the failed host's evacuable instances. */
export const ScenarioSchema = z.object({
  /** `cloud`, `zone <name>` or `aggregate <name>`. */
  scope: z.string(),
  targets: z.array(z.string()),
  fits: z.boolean(),
  placed: z.number().int(),
  unplaced: z.array(UnplacedSchema),
  /** Usable capacity of the targets ((total - reserved) * ratio) per class. */
  capacity: ResourcesSchema,
  /** Free on the targets after placing what fits. */
  freeAfter: ResourcesSchema,
  /** The smallest freeAfter / capacity over the classes, in % (null without targets). */
  headroomPercent: z.number().nullable(),
});
export type Scenario = z.infer<typeof ScenarioSchema>;

/** The answer for one host: "if it failed now". */
export const HostAnswerSchema = z.object({
  host: z.string(),
  instances: z.number().int(),
  demand: ResourcesSchema,
  /** Skipped by the plan (not evacuated), with the plan's reasons, by count. */
  skipped: z.number().int(),
  cloud: ScenarioSchema,
  zone: ScenarioSchema.nullable(),
  aggregates: z.array(ScenarioSchema),
});
export type HostAnswer = z.infer<typeof HostAnswerSchema>;

export const CapacityReportSchema = z.object({
  at: z.string(),
  hosts: z.array(HostViewSchema),
  answers: z.array(HostAnswerSchema),
  /** Hosts not evaluated as the one failing, and why (already down, disabled, out for repair). */
  notEvaluated: z.array(z.object({ host: z.string(), reason: z.string() })),
  /** The host whose loss the cloud absorbs least well (a failing answer first, then the least headroom). */
  worstCase: z.object({ host: z.string(), fits: z.boolean(), headroomPercent: z.number().nullable() }).nullable(),
  /** Every evaluated host's loss is absorbed cloud-wide. */
  ok: z.boolean(),
  /** Room left now on the hosts that take evacuated instances (no failure assumed). */
  now: z.object({ hosts: z.number().int(), capacity: ResourcesSchema, free: ResourcesSchema }),
});
export type CapacityReport = z.infer<typeof CapacityReportSchema>;

/** What the scheduled run remembers between runs (one mail per episode). */
export const CapacityVerdictSchema = z.object({
  at: z.string(),
  ok: z.boolean(),
  worstHost: z.string().nullable(),
});
export type CapacityVerdict = z.infer<typeof CapacityVerdictSchema>;
