import type * as z from 'zod';
import { EvacuationBlockedError, planEvacuation, readPlanInputs, type PlanResult } from '../../evacuation/index.js';
import { newInstanceRecord, type Plan, type SkippedItem } from '../../evacuation/index.js';
import { listServersOnHost, resetServerStateToError } from '../../openstack/index.js';
import { errorMessage } from '../../errors.js';
import { notifyAdmins } from '../../notify/index.js';
import { recordEvent, type Runtime } from '../runtime.js';
import { publishEvent } from '../../events/index.js';
import type { PlanStepInputSchema, PlanStepOutput } from '../schemas.js';

/**
 * List the host's instances (exact host match, S3), keep the evacuable ones in run order (restart
 * group, then priority) and say why each other one is skipped. Stuck tasks are reset here, when
 * configured: this step runs only after the fence is confirmed (S1), never in a dry run.
 * A resumed run reuses the stored plan: instances already moved away no longer list on the host,
 * but they still belong to this incident. A dry run stops here and closes the incident having
 * changed nothing. A host the aggregate filter excludes records every instance as skipped and
 * fails the step (EvacuationBlockedError), so the admins hear of it through the failure report.
 */
export async function planStep(rt: Runtime, input: z.infer<typeof PlanStepInputSchema>): Promise<PlanStepOutput> {
  const incident = await rt.store.getIncident(input.incidentId);
  let plan: Plan | null = incident?.plan ?? null;
  if (!plan) {
    const result = await computePlan(rt, input.host);
    if (!input.dryRun) await resetStuck(rt, input.incidentId, result);
    const { items, skipped } = result;
    plan = { host: input.host, items, skipped, plannedAt: rt.now().toISOString() };
    if (!input.dryRun) await recordInstances(rt, input.incidentId, input.host, plan);
    if (result.blocked && !input.dryRun) {
      await rt.store.updateIncident(input.incidentId, { plan });
      await recordEvent(rt, input.incidentId, 'plan', `nothing is evacuated from ${input.host}: ${result.blocked}`);
      throw new EvacuationBlockedError(input.host, result.blocked);
    }
    await rt.store.updateIncident(
      input.incidentId,
      input.dryRun ? { plan, status: 'dry-run' } : { plan, status: 'evacuating' },
    );
    await recordEvent(
      rt,
      input.incidentId,
      'plan',
      `${input.dryRun ? '[dry run] would evacuate' : 'evacuating'} ${items.length} instance(s) from ${input.host}${skipped.length ? `; skipping ${skipped.length}` : ''}`,
    );
    if (!input.dryRun)
      await publishEvent(
        rt,
        'evacuation.started',
        { incidentId: input.incidentId, host: input.host },
        { instances: items.length, skipped: skipped.length },
      );
    if (!input.dryRun && rt.config.notification.sendStartedMail) await mailStarted(rt, input.incidentId, plan);
  }
  return {
    ...plan,
    concurrency: rt.config.evacuation.concurrency,
    // Read by the definition's PostFenceDelay and reserved-host Choices (the config lives in the Lambdas).
    postFenceDelaySeconds: rt.config.evacuation.postFenceDelaySeconds,
    reservedHostsConfigured: rt.config.evacuation.reservedHosts !== undefined,
  };
}

async function recordInstances(rt: Runtime, incidentId: string, host: string, plan: Plan): Promise<void> {
  for (const item of plan.items) {
    if (!(await rt.store.getInstance(incidentId, item.id)))
      await rt.store.putInstance(newInstanceRecord(incidentId, host, item));
  }
  for (const s of plan.skipped)
    await rt.store.putInstance({ ...newInstanceRecord(incidentId, host, s), outcome: 'skipped', reason: s.reason });
}

/**
 * `evacuation.stuckTasks: reset`: os-resetState to ERROR for each planned instance whose task is
 * stuck from the dead host, each recorded as an event. One Nova refuses is skipped with its answer.
 */
async function resetStuck(rt: Runtime, incidentId: string, result: PlanResult): Promise<void> {
  for (const r of result.resets) {
    try {
      await resetServerStateToError(rt.session, r.id);
      await recordEvent(
        rt,
        incidentId,
        'plan',
        `reset ${r.name} to ERROR (task_state ${r.taskState} was stuck on the fenced host) so it can be evacuated`,
        r.id,
      );
    } catch (err) {
      const item = result.items.find((i) => i.id === r.id);
      result.items = result.items.filter((i) => i.id !== r.id);
      const reason = `a task is in progress (${r.taskState}) and the reset to ERROR failed: ${errorMessage(err)}`;
      if (item) result.skipped.push({ id: item.id, name: item.name, projectId: item.projectId, reason } as SkippedItem);
      await recordEvent(rt, incidentId, 'plan', `could not reset ${r.name}: ${errorMessage(err)}`, r.id);
    }
  }
}

/**
 * Which of the host's instances would be evacuated, in what order, and why the others are not:
 * the Plan step's own logic, also what `recover --dry-run` and `plan` print, so they cannot
 * disagree. Reads only (a stuck task is listed in `resets`, never reset here).
 */
export async function computePlan(rt: Runtime, host: string): Promise<PlanResult> {
  const servers = await listServersOnHost(rt.session, host);
  const inputs = await readPlanInputs(rt.session, host, servers, rt.config.evacuation);
  return planEvacuation(host, servers, rt.config.evacuation, inputs);
}

/** The optional "recovery started" mail: the admins learn of the incident before it ends. Never blocks. */
async function mailStarted(rt: Runtime, incidentId: string, plan: Plan): Promise<void> {
  const incident = await rt.store.getIncident(incidentId);
  const lines = [
    `freezer-dr is recovering compute host ${plan.host} (incident ${incidentId}).`,
    '',
    `Why: ${incident?.reason ?? 'unknown'}`,
    `Fenced: ${incident?.fence ? `powered off and confirmed at ${incident.fence.confirmedAt} (${incident.fence.target})` : 'not recorded'}`,
    `Isolated: nova-compute forced down and disabled`,
    `To evacuate (${plan.items.length}): ${plan.items.map((i) => i.name).join(', ') || 'none'}`,
    ...(plan.skipped.length
      ? [`Skipped (${plan.skipped.length}): ${plan.skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`]
      : []),
    '',
    `A summary follows when it is done. Follow it with: freezer-dr incidents ${incidentId}`,
  ];
  await notifyAdmins(
    { config: rt.config.notification, store: rt.store, log: rt.log, now: rt.now },
    {
      subject: `freezer-dr: recovering ${plan.host} — ${plan.items.length} instance(s) to evacuate`,
      text: lines.join('\n'),
      host: plan.host,
    },
  ).catch((err: unknown) =>
    rt.log.error('the recovery-started mail could not be sent', { incidentId, error: String(err) }),
  );
}
