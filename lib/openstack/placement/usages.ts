import * as z from 'zod';
import type { OpenStackSession } from '../session.js';
import { PLACEMENT_MICROVERSION } from './microversions.js';

const UsagesSchema = z.object({
  resource_provider_generation: z.number().int(),
  usages: z.record(z.string(), z.number().int().min(0)),
});

/** GET /resource_providers/{uuid}/usages: the amount allocated per resource class. */
export async function getUsages(
  session: OpenStackSession,
  providerUuid: string,
  signal?: AbortSignal,
): Promise<Record<string, number>> {
  const res = await session.request({
    service: 'placement',
    method: 'GET',
    path: `/resource_providers/${encodeURIComponent(providerUuid)}/usages`,
    microversion: PLACEMENT_MICROVERSION.usages,
    schema: UsagesSchema,
    signal,
  });
  return res.data.usages;
}
