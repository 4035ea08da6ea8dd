import * as z from 'zod';
import type { OpenStackSession } from '../session.js';
import { PLACEMENT_MICROVERSION } from './microversions.js';

const Resources = z.record(z.string(), z.number().int().min(0));
const Entry = z.object({ resources: Resources });

const ProviderAllocationsSchema = z.object({
  resource_provider_generation: z.number().int(),
  allocations: z.record(z.string(), Entry),
});

const ConsumerAllocationsSchema = z.object({ allocations: z.record(z.string(), Entry.loose()) });

/**
 * GET /resource_providers/{uuid}/allocations: what each consumer (an instance, or a migration in
 * flight) holds on this provider, keyed by consumer uuid.
 */
export async function getProviderAllocations(
  session: OpenStackSession,
  providerUuid: string,
  signal?: AbortSignal,
): Promise<Record<string, Record<string, number>>> {
  const res = await session.request({
    service: 'placement',
    method: 'GET',
    path: `/resource_providers/${encodeURIComponent(providerUuid)}/allocations`,
    microversion: PLACEMENT_MICROVERSION.allocations,
    schema: ProviderAllocationsSchema,
    signal,
  });
  return Object.fromEntries(Object.entries(res.data.allocations).map(([c, a]) => [c, a.resources]));
}

/** GET /allocations/{consumer_uuid}: the consumer's allocations keyed by provider (empty when it has none). */
export async function getConsumerAllocations(
  session: OpenStackSession,
  consumerUuid: string,
  signal?: AbortSignal,
): Promise<Record<string, Record<string, number>>> {
  const res = await session.request({
    service: 'placement',
    method: 'GET',
    path: `/allocations/${encodeURIComponent(consumerUuid)}`,
    microversion: PLACEMENT_MICROVERSION.allocations,
    schema: ConsumerAllocationsSchema,
    signal,
  });
  return Object.fromEntries(Object.entries(res.data.allocations).map(([p, a]) => [p, a.resources]));
}
