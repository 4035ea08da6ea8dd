import * as z from 'zod';
import { json, type HttpReply } from '../http.js';
import type { SimAggregate } from '../state.js';
import { aggregateView } from './aggregates.js';
import { requireAdmin, type NovaCtx } from './context.js';
import { NovaHttpError } from './errors.js';
import { parseBody, validateBody } from './validation.js';

function find(ctx: NovaCtx, id: string): [SimAggregate, number] {
  // Nova's aggregate id in the path is the integer id (uuids are not accepted here).
  const i = /^\d+$/.test(id) ? Number(id) - 1 : -1;
  const a = ctx.state.aggregates[i];
  if (!a) throw new NovaHttpError(404, `Aggregate ${id} could not be found.`);
  return [a, i];
}

/** GET /os-aggregates/{id} (admin only). */
export function showAggregate(ctx: NovaCtx, id: string): HttpReply {
  requireAdmin(ctx, 'os_compute_api:os-aggregates:show');
  const [a, i] = find(ctx, id);
  return json(200, { aggregate: aggregateView(ctx, a, i) });
}

/** Nova's aggregate metadata schema: keys 1-255 of [a-zA-Z0-9-_:. ], values a string up to 255 or null (delete). */
const SetMetadata = z.strictObject({
  metadata: z.record(
    z.string().regex(/^[a-zA-Z0-9-_:. ]{1,255}$/, { message: 'does not match any of the regexes' }),
    z.string().max(255).nullable(),
  ),
});

/**
 * POST /os-aggregates/{id}/action {"set_metadata": {"metadata": {...}}} (admin only): merge the
 * keys, a null value deletes one; 200 with the aggregate. `availability_zone` moves the aggregate.
 */
export function aggregateAction(ctx: NovaCtx, id: string): HttpReply {
  const body = parseBody(ctx.req.body);
  const action = body !== null && typeof body === 'object' ? Object.keys(body)[0] : undefined;
  if (action !== 'set_metadata') throw new NovaHttpError(400, `There is no such action: ${action ?? ''}`);
  const args = validateBody(SetMetadata, (body as Record<string, unknown>)[action], action);
  requireAdmin(ctx, 'os_compute_api:os-aggregates:set_metadata');
  const [a, i] = find(ctx, id);
  const metadata = { ...(a.metadata ?? {}) };
  for (const [k, v] of Object.entries(args.metadata)) {
    if (k === 'availability_zone') a.availabilityZone = v;
    else if (v === null) delete metadata[k];
    else metadata[k] = v;
  }
  a.metadata = metadata;
  return json(200, { aggregate: aggregateView(ctx, a, i) });
}
