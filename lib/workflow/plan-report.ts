import * as z from 'zod';
import { PlanItemSchema, SkippedItemSchema } from '../evacuation/index.js';
import { findComputeService } from './front-door.js';
import type { Runtime } from './runtime.js';
import { computePlan } from './steps/plan.js';

const GroupSchema = z.object({
  /** The run-order number (PlanItem.group): groups run in ascending order, one after another. */
  group: z.number().int(),
  /** `1`, `2`, … or `ungrouped`. */
  label: z.string(),
  items: z.array(PlanItemSchema),
});

/**
 * What `freezer-dr plan --host X` shows: what a recovery of the host would evacuate, in which
 * groups and order, where to, what it would reset first and what it would skip and why. It is
 * the Plan step's own computation (computePlan), read only.
 */
export const PlanReportSchema = z.object({
  host: z.string(),
  mode: z.string(),
  /** `all-unless-any-tagged`: the first mark found in the cloud (null: nothing is marked, so all count). */
  markedSomewhere: z.string().nullable().optional(),
  target: z.object({
    policy: z.enum(['scheduler', 'target-host']),
    host: z.string().nullable(),
  }),
  /** Evacuations in flight at once, within a group. */
  concurrency: z.number().int(),
  groups: z.array(GroupSchema),
  /** Instances a real run resets to ERROR first (evacuation.stuckTasks: reset); not done by `plan`. */
  resets: z.array(z.object({ id: z.string(), name: z.string(), taskState: z.string() })),
  skipped: z.array(SkippedItemSchema),
  /** Why nothing would be evacuated at all (the aggregate filter, failing closed), or null. */
  blocked: z.string().nullable(),
});
export type PlanReport = z.infer<typeof PlanReportSchema>;

/** The plan for one host; an unknown host is an UnknownHostError (exit 2), nothing is changed. */
export async function planReport(rt: Runtime, host: string, signal?: AbortSignal): Promise<PlanReport> {
  await findComputeService(rt, host, signal);
  const plan = await computePlan(rt, host);
  const cfg = rt.config.evacuation;
  const groups: PlanReport['groups'] = [];
  for (const item of plan.items) {
    const last = groups.at(-1);
    if (last?.group === item.group) last.items.push(item);
    else groups.push({ group: item.group, label: groupLabel(item.group, cfg.groups.max), items: [item] });
  }
  const report: PlanReport = {
    host,
    mode: cfg.evacuable.mode,
    target: cfg.targetHost ? { policy: 'target-host', host: cfg.targetHost } : { policy: 'scheduler', host: null },
    concurrency: cfg.concurrency,
    groups,
    resets: plan.resets,
    skipped: plan.skipped,
    blocked: plan.blocked,
  };
  if (plan.markedSomewhere !== undefined) report.markedSomewhere = plan.markedSomewhere;
  return report;
}

function groupLabel(group: number, max: number): string {
  return group >= 1 && group <= max ? String(group) : 'ungrouped';
}
