import type { z } from 'zod';
import { planEvacuation } from '../../evacuation/plan.js';
import { newInstanceRecord, type Plan } from '../../incidents/schemas.js';
import { getImageProperties } from '../../openstack/images.js';
import { listServersOnHost } from '../../openstack/nova/servers.js';
import { recordEvent, type Runtime } from '../runtime.js';
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
    const servers = await listServersOnHost(rt.session, input.host);
    const images = new Map<string, Record<string, string>>();
    if (rt.config.evacuation.evacuable.mode === 'tagged' && rt.config.evacuation.evacuable.imageProperty) {
      for (const id of new Set(servers.map((s) => s.imageId).filter((x): x is string => !!x))) {
        images.set(id, await getImageProperties(rt.session, id).catch(() => ({})));
      }
    }
    const { items, skipped } = planEvacuation(input.host, servers, rt.config.evacuation.evacuable, images);
    plan = { host: input.host, items, skipped, plannedAt: rt.now().toISOString() };
    if (!input.dryRun) {
      for (const item of items) {
        if (!(await rt.store.getInstance(input.incidentId, item.id))) await rt.store.putInstance(newInstanceRecord(input.incidentId, input.host, item));
      }
      for (const s of skipped) await rt.store.putInstance({ ...newInstanceRecord(input.incidentId, input.host, s), outcome: 'skipped', reason: s.reason });
    }
    await rt.store.updateIncident(input.incidentId, input.dryRun ? { plan, status: 'dry-run' } : { plan, status: 'evacuating' });
    await recordEvent(rt, input.incidentId, 'plan', `${input.dryRun ? '[dry run] would evacuate' : 'evacuating'} ${items.length} instance(s) from ${input.host}${skipped.length ? `; skipping ${skipped.length}` : ''}`);
  }
  return {
    ...plan,
    concurrency: rt.config.evacuation.concurrency,
    waitSeconds: Math.max(1, Math.round(rt.config.evacuation.checkIntervalSeconds)),
  };
}
