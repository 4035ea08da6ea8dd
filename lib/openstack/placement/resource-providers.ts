import * as z from 'zod';
import type { OpenStackSession } from '../session.js';
import { PLACEMENT_MICROVERSION } from './microversions.js';

/** GET /resource_providers: a compute node is a root provider named after its hypervisor hostname. */
const ResourceProviderWire = z
  .object({
    uuid: z.string(),
    name: z.string(),
    generation: z.number().int(),
    parent_provider_uuid: z.string().nullish(),
    root_provider_uuid: z.string().nullish(),
  })
  .transform((p) => ({
    uuid: p.uuid,
    name: p.name,
    generation: p.generation,
    parentProviderUuid: p.parent_provider_uuid ?? null,
    rootProviderUuid: p.root_provider_uuid ?? p.uuid,
  }));
export type ResourceProvider = z.output<typeof ResourceProviderWire>;

const ListSchema = z.object({ resource_providers: z.array(ResourceProviderWire) });

export async function listResourceProviders(
  session: OpenStackSession,
  opts: { name?: string; signal?: AbortSignal } = {},
): Promise<ResourceProvider[]> {
  const res = await session.request({
    service: 'placement',
    method: 'GET',
    path: '/resource_providers',
    query: { name: opts.name },
    microversion: PLACEMENT_MICROVERSION.resourceProviders,
    schema: ListSchema,
    signal: opts.signal,
  });
  return res.data.resource_providers;
}
