import type * as z from 'zod';
import type { Isolation } from '../../incidents/index.js';
import { disableService, forceDownService } from '../../openstack/index.js';
import { FenceNotConfirmedError } from '../errors.js';
import { findComputeService } from '../front-door.js';
import { recordEvent, type Runtime } from '../runtime.js';
import { publishEvent } from '../../events/index.js';
import type { IsolateStepInputSchema } from '../schemas.js';

/**
 * Tell Nova the host is gone: force-down FIRST (S2: disabling a service Nova still believes up
 * makes a synchronous RPC to the dead node and hangs), then disable with a reason that names
 * the incident, so operators see why and who.
 */
export async function isolateStep(rt: Runtime, input: z.infer<typeof IsolateStepInputSchema>): Promise<Isolation> {
  const incident = await rt.store.getIncident(input.incidentId);
  if (!incident?.fence?.fenced || !input.fence.fenced) throw new FenceNotConfirmedError(input.incidentId);
  if (incident.isolation) return incident.isolation;

  const { service } = await findComputeService(rt, input.host);
  const reason = `freezer-dr ${input.incidentId}: fenced ${incident.fence.confirmedAt}`;
  if (!service.forcedDown) await forceDownService(rt.session, service.id);
  const forcedDownAt = rt.now().toISOString();
  await recordEvent(rt, input.incidentId, 'isolate', `nova-compute on ${input.host} forced down`);
  if (service.status !== 'disabled') await disableService(rt.session, service.id, reason);
  const isolation: Isolation = {
    serviceId: service.id,
    forcedDownAt,
    disabledAt: rt.now().toISOString(),
    disabledReason: service.status === 'disabled' ? (service.disabledReason ?? reason) : reason,
  };
  await recordEvent(
    rt,
    input.incidentId,
    'isolate',
    `nova-compute on ${input.host} disabled ("${isolation.disabledReason}")`,
  );
  await rt.store.updateIncident(input.incidentId, { status: 'isolated', isolation });
  await publishEvent(
    rt,
    'isolated',
    { incidentId: input.incidentId, host: input.host },
    { serviceId: isolation.serviceId, disabledReason: isolation.disabledReason },
  );
  return isolation;
}
