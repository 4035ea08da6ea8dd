import * as z from 'zod';
import { capacityForHost, HostAnswerSchema } from '../capacity/index.js';
import { errorMessage } from '../errors.js';
import { PlanItemSchema, SkippedItemSchema, type PlanResult } from '../evacuation/index.js';
import { capacityDeps } from './capacity.js';
import { findComputeService } from './front-door.js';
import { previewReservedHost } from './steps/targets.js';
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
  /** The spare a recovery would enable (evacuation.reservedHosts), or why none; null when not configured. */
  reservedHost: z
    .object({
      host: z.string().nullable(),
      matchedBy: z.string().nullable(),
      reason: z.string().nullable(),
      rejected: z.array(z.object({ host: z.string(), reason: z.string() })),
    })
    .nullable(),
  /** Would the other hosts take these instances (lib/capacity, from Placement)? `error` when it could not be read. */
  capacity: z.union([HostAnswerSchema, z.object({ error: z.string() })]),
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
    reservedHost: await reservedPreview(rt, host, signal),
    capacity: await capacityPreview(rt, host, plan),
  };
  if (plan.markedSomewhere !== undefined) report.markedSomewhere = plan.markedSomewhere;
  return report;
}

async function reservedPreview(rt: Runtime, host: string, signal?: AbortSignal): Promise<PlanReport['reservedHost']> {
  if (!rt.config.evacuation.reservedHosts) return null;
  const c = await previewReservedHost(rt, host, signal);
  return {
    host: c.chosen?.host ?? null,
    matchedBy: c.chosen?.matchedBy ?? null,
    reason: c.reason,
    rejected: c.rejected,
  };
}

/** The capacity answer for this host; Placement being unreadable is shown, it does not hide the plan. */
async function capacityPreview(rt: Runtime, host: string, plan: PlanResult): Promise<PlanReport['capacity']> {
  const signal = AbortSignal.timeout(rt.config.capacity.timeoutSeconds * 1000);
  const deps = capacityDeps(rt, { signal });
  try {
    // The plan shown above is the one capacity counts: it is not read from Nova a second time.
    return await capacityForHost(
      { ...deps, planFor: (h) => (h === host ? Promise.resolve(plan) : deps.planFor(h)) },
      host,
    );
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

function groupLabel(group: number, max: number): string {
  return group >= 1 && group <= max ? String(group) : 'ungrouped';
}
