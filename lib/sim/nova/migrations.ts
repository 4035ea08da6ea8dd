import { novaTime } from '../clock.js';
import { json, type HttpReply } from '../http.js';
import type { MigrationRec } from '../state.js';
import { boolParam, requireAdmin, type NovaCtx } from './context.js';
import { NovaHttpError } from './errors.js';

function migrationView(ctx: NovaCtx, m: MigrationRec): Record<string, unknown> {
  const flavorNum = Number(m.flavorId);
  const v: Record<string, unknown> = {
    id: m.id,
    source_node: m.sourceNode,
    dest_node: m.destNode,
    source_compute: m.sourceCompute,
    dest_compute: m.destCompute,
    dest_host: m.destHost,
    status: m.status,
    instance_uuid: m.instanceUuid,
    old_instance_type_id: Number.isInteger(flavorNum) ? flavorNum : null,
    new_instance_type_id: Number.isInteger(flavorNum) ? flavorNum : null,
    created_at: novaTime(m.createdAt),
    updated_at: novaTime(m.updatedAt),
  };
  if (ctx.minor >= 23) v['migration_type'] = m.migrationType;
  if (ctx.minor >= 59) v['uuid'] = m.uuid;
  if (ctx.minor >= 80) {
    v['user_id'] = m.userId;
    v['project_id'] = m.projectId;
  }
  return v;
}

/**
 * GET /os-migrations. Filters are exact; `host` matches source or destination. From 2.59 the list
 * is newest first and pageable (limit, marker = migration uuid); before, in id order.
 */
export function listMigrations(ctx: NovaCtx): HttpReply {
  requireAdmin(ctx, 'os_compute_api:os-migrations:index');
  const q = ctx.req.query;
  const eq = (name: string, value: string | null): boolean => {
    const want = q.get(name);
    return want === null || want === value;
  };
  // Evacuation records are never hidden; asking for hidden ones finds none.
  const hidden = q.has('hidden') ? boolParam('hidden', q.get('hidden')!) : false;
  const hostFilter = q.get('host');
  let list = ctx.state.migrations.filter(
    (m) =>
      !hidden &&
      eq('instance_uuid', m.instanceUuid) &&
      eq('migration_type', m.migrationType) &&
      eq('source_compute', m.sourceCompute) &&
      eq('status', m.status) &&
      (hostFilter === null || m.sourceCompute === hostFilter || m.destCompute === hostFilter) &&
      (ctx.minor < 80 || (eq('user_id', m.userId) && eq('project_id', m.projectId))),
  );
  if (ctx.minor >= 59) {
    list = [...list].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    const since = q.get('changes-since');
    if (since) {
      const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(since) ? since : `${since}Z`);
      if (Number.isNaN(ms))
        throw new NovaHttpError(
          400,
          `Invalid input for query parameters changes-since. Value: ${since}. '${since}' is not a 'date-time'`,
        );
      list = list.filter((m) => m.updatedAt >= ms);
    }
    const marker = q.get('marker');
    if (marker) {
      const i = list.findIndex((m) => m.uuid === marker);
      if (i < 0) throw new NovaHttpError(400, `Marker ${marker} could not be found.`);
      list = list.slice(i + 1);
    }
    const limit = q.get('limit');
    if (limit !== null) {
      if (!/^\d+$/.test(limit))
        throw new NovaHttpError(
          400,
          `Invalid input for query parameters limit. Value: ${limit}. '${limit}' does not match '^[0-9]*$'`,
        );
      list = list.slice(0, Number(limit));
    }
  } else {
    list = [...list].sort((a, b) => a.id - b.id);
  }
  return json(200, { migrations: list.map((m) => migrationView(ctx, m)) });
}
