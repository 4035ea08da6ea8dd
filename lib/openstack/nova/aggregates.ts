import * as z from 'zod';
import type { OpenStackSession } from '../session.js';
import { MICROVERSION } from './microversions.js';

/** GET /os-aggregates: host aggregates (an availability zone is an aggregate with `availability_zone`). */
const AggregateWire = z
  .object({
    id: z.number(),
    uuid: z.string().optional(),
    name: z.string(),
    availability_zone: z.string().nullish(),
    hosts: z.array(z.string()).nullish(),
    metadata: z.record(z.string(), z.string().nullable()).nullish(),
  })
  .transform((a) => ({
    id: a.id,
    uuid: a.uuid ?? null,
    name: a.name,
    availabilityZone: a.availability_zone ?? null,
    hosts: a.hosts ?? [],
    // Nova returns metadata values as strings (availability_zone is mirrored there too).
    metadata: Object.fromEntries(Object.entries(a.metadata ?? {}).filter(([, v]) => v !== null)) as Record<
      string,
      string
    >,
  }));
export type Aggregate = z.output<typeof AggregateWire>;

const ListSchema = z.object({ aggregates: z.array(AggregateWire) });

export async function listAggregates(session: OpenStackSession, signal?: AbortSignal): Promise<Aggregate[]> {
  const res = await session.request({
    service: 'compute',
    method: 'GET',
    path: '/os-aggregates',
    microversion: MICROVERSION.aggregates,
    schema: ListSchema,
    signal,
  });
  return res.data.aggregates;
}
