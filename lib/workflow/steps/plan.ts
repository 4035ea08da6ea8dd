import type * as z from 'zod';
import { planEvacuation, type PlanResult } from '../../evacuation/index.js';
import { newInstanceRecord, type Plan } from '../../evacuation/index.js';
import { getImageProperties } from '../../openstack/index.js';
import { listServersOnHost } from '../../openstack/index.js';
import { notifyAdmins } from '../../notify/index.js';
import { recordEvent, type Runtime } from '../runtime.js';
import { publishEvent } from '../../events/index.js';
import type { PlanStepInputSchema, PlanStepOutput } from '../schemas.js';

/**
 * List the host's instances (exact host match, S3), keep the evacuable ones in priority order
 * and say why each other one is skipped. A resumed run reuses the stored plan: instances
 * already moved away no longer list on the host, but they still belong to this incident.
 * A dry run stops here and closes the incident having changed nothing.
 */
export async function planStep(rt: Runtime, input: z.infer<typeof PlanStepInputSchema>): Promise<PlanStepOutput> {
  const incident = await rt.store.getIncident(input.incidentId);
  let plan: Plan | null = incident?.plan ?? null;
  if (!plan) {
    const { items, skipped } = await computePlan(rt, input.host);
    plan = { host: input.host, items, skipped, plannedAt: rt.now().toISOString() };
    if (!input.dryRun) {
      for (const item of items) {
        if (!(await rt.store.getInstance(input.incidentId, item.id)))
          await rt.store.putInstance(newInstanceRecord(input.incidentId, input.host, item));
      }
      for (const s of skipped)
        await rt.store.putInstance({
          ...newInstanceRecord(input.incidentId, input.host, s),
          outcome: 'skipped',
          reason: s.reason,
        });
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

/**
 * Which of the host's instances would be evacuated, in what order, and why the others are not:
 * the Plan step's own logic, also what `recover --dry-run` prints, so the two cannot disagree.
 * Reads only.
 */
export async function computePlan(rt: Runtime, host: string): Promise<PlanResult> {
  const servers = await listServersOnHost(rt.session, host);
  const images = new Map<string, Record<string, string>>();
  if (rt.config.evacuation.evacuable.mode === 'tagged' && rt.config.evacuation.evacuable.imageProperty) {
    for (const id of new Set(servers.map((s) => s.imageId).filter((x): x is string => !!x))) {
      images.set(id, await getImageProperties(rt.session, id).catch(() => ({})));
    }
  }
  return planEvacuation(host, servers, rt.config.evacuation.evacuable, images);
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
