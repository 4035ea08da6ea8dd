import * as z from 'zod';
import type { OpenStackSession } from '../session.js';
import { MICROVERSION } from './microversions.js';

/**
 * GET /os-hypervisors/detail: from 2.53 a hypervisor's id is the compute node's UUID, which is
 * also its Placement resource provider's UUID; `service.host` is the nova-compute host name
 * (the hypervisor hostname may differ from it, e.g. a FQDN).
 */
const HypervisorWire = z
  .object({
    id: z.string(),
    hypervisor_hostname: z.string(),
    service: z.object({ host: z.string() }).loose(),
  })
  .loose()
  .transform((h) => ({ id: h.id, hypervisorHostname: h.hypervisor_hostname, host: h.service.host }));
export type Hypervisor = z.output<typeof HypervisorWire>;

const ListSchema = z.object({ hypervisors: z.array(HypervisorWire) });

export async function listHypervisors(session: OpenStackSession, signal?: AbortSignal): Promise<Hypervisor[]> {
  const res = await session.request({
    service: 'compute',
    method: 'GET',
    path: '/os-hypervisors/detail',
    microversion: MICROVERSION.hypervisors,
    schema: ListSchema,
    signal,
  });
  return res.data.hypervisors;
}
