import { json, type HttpReply } from '../http.js';
import type { SimAggregate } from '../state.js';
import type { NovaCtx } from './context.js';
import { NovaHttpError } from './errors.js';

/** GET /os-aggregates (admin only). Nova mirrors availability_zone into the metadata. */
export function listAggregates(ctx: NovaCtx): HttpReply {
  if (!ctx.admin)
    throw new NovaHttpError(403, "Policy doesn't allow os_compute_api:os-aggregates:index to be performed.");
  const aggregates = ctx.state.aggregates.map((a, i) => aggregateView(ctx, a, i));
  return json(200, { aggregates });
}

/** One aggregate as Nova shows it, in the list and alone (GET /os-aggregates/{id}). */
export function aggregateView(ctx: NovaCtx, a: SimAggregate, i: number): Record<string, unknown> {
  return {
    id: i + 1,
    ...(ctx.minor >= 41 ? { uuid: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}` } : {}),
    name: a.name,
    availability_zone: a.availabilityZone ?? null,
    hosts: [...a.hosts],
    metadata: { ...(a.metadata ?? {}), ...(a.availabilityZone ? { availability_zone: a.availabilityZone } : {}) },
    created_at: '2026-01-01T00:00:00.000000',
    updated_at: null,
    deleted_at: null,
    deleted: false,
  };
}
