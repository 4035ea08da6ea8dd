import * as z from 'zod';
import type { OpenStackSession } from '../session.js';

/** 2.61: GET /flavors/detail carries each flavor's extra_specs (before, one call per flavor). */
const FLAVORS_MICROVERSION = '2.61';

const FlavorWire = z
  .object({ id: z.string(), name: z.string(), extra_specs: z.record(z.string(), z.string()).nullish() })
  .loose()
  .transform((f) => ({ id: f.id, name: f.name, extraSpecs: f.extra_specs ?? {} }));
export type Flavor = z.output<typeof FlavorWire>;

const ListSchema = z.object({ flavors: z.array(FlavorWire) });

/**
 * Every flavor, public and private (`is_public=None`, admins), with its extra specs: the
 * population fence_evacuate looks at for "is anything tagged".
 */
export async function listFlavorsWithExtraSpecs(session: OpenStackSession, signal?: AbortSignal): Promise<Flavor[]> {
  const flavors: Flavor[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const res = await session.request({
      service: 'compute',
      method: 'GET',
      path: '/flavors/detail',
      query: { is_public: 'None', limit: 1000, marker },
      microversion: FLAVORS_MICROVERSION,
      schema: ListSchema,
      signal,
    });
    flavors.push(...res.data.flavors);
    if (res.data.flavors.length < 1000) break;
    marker = res.data.flavors.at(-1)?.id;
  }
  return flavors;
}
