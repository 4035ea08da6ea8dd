import type * as z from 'zod';
import type { Isolation } from '../../incidents/index.js';
import { disableService, forceDownService, listComputeServices } from '../../openstack/index.js';
import { FenceNotConfirmedError, UnknownHostError } from '../errors.js';
import { recordEvent, type Runtime } from '../runtime.js';
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

  const { services } = await listComputeServices(rt.session);
  const service = services.find((s) => s.host === input.host);
  if (!service)
    throw new UnknownHostError(
      input.host,
      services.map((s) => s.host),
    );
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
  return isolation;
}
