import { json, type HttpReply } from '../http.js';
import type { ServerRec } from '../state.js';
import { boolParam, requireAdmin, type NovaCtx } from './context.js';
import { NovaHttpError } from './errors.js';
import { serverLinks, serverStatus, serverView } from './server-view.js';

const MAX_LIMIT = 1000;

/**
 * GET /servers and /servers/detail. Without all_tenants Nova lists the token's project only —
 * even for an admin, and whatever project_id says. `host` is an exact, admin-only filter.
 */
// eslint-disable-next-line max-lines-per-function -- test double: Nova’s list filters, one after another as the API reference lists them
export function listServers(ctx: NovaCtx, detail: boolean): HttpReply {
  const q = ctx.req.query;
  const allTenants = q.has('all_tenants') ? boolParam('all_tenants', q.get('all_tenants')!) : false;
  if (allTenants) requireAdmin(ctx, `os_compute_api:servers:${detail ? 'detail' : 'index'}:get_all_tenants`);
  const project = allTenants
    ? (q.get('project_id') ?? q.get('tenant_id') ?? undefined)
    : (ctx.token.projectId ?? undefined);
  const host = ctx.admin ? q.get('host') : null;
  const node = ctx.admin ? q.get('node') : null;
  const status = q.get('status')?.toUpperCase();
  const since = q.get('changes-since');
  const sinceMs = since ? Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(since) ? since : `${since}Z`) : undefined;
  if (sinceMs !== undefined && Number.isNaN(sinceMs))
    throw new NovaHttpError(
      400,
      `Invalid input for query parameters changes-since. Value: ${since}. '${since}' is not a 'date-time'`,
    );
  let nameRe: RegExp | undefined;
  const name = q.get('name');
  if (name) {
    try {
      nameRe = new RegExp(name);
    } catch {
      nameRe = undefined;
    }
  }

  let servers = [...ctx.state.servers.values()].filter(
    (s) =>
      (project === undefined || s.projectId === project) &&
      (host === null || s.host === host) &&
      (node === null || s.node === node) &&
      (status === undefined || serverStatus(s) === status) &&
      (sinceMs === undefined || s.updatedAt >= sinceMs) &&
      (!name || (nameRe ? nameRe.test(s.name) : s.name.includes(name))),
  );
  // Nova's default order: created_at desc, then id desc.
  servers.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));

  const marker = q.get('marker');
  if (marker) {
    const i = servers.findIndex((s) => s.id === marker);
    if (i < 0) throw new NovaHttpError(400, `marker [${marker}] not found`);
    servers = servers.slice(i + 1);
  }
  let limit = MAX_LIMIT;
  const rawLimit = q.get('limit');
  if (rawLimit !== null) {
    if (!/^\d+$/.test(rawLimit))
      throw new NovaHttpError(
        400,
        `Invalid input for query parameters limit. Value: ${rawLimit}. '${rawLimit}' does not match '^[0-9]*$'`,
      );
    limit = Math.min(Number(rawLimit), MAX_LIMIT);
  }
  const page = servers.slice(0, limit);
  const body: Record<string, unknown> = {
    servers: page.map((s) =>
      detail ? serverView(ctx, s) : { id: s.id, name: s.name, links: serverLinks(ctx.state, s.id) },
    ),
  };
  if (page.length === limit && servers.length > limit && page.length > 0) {
    const next = new URLSearchParams(q);
    next.set('limit', String(limit));
    next.set('marker', page.at(-1)!.id);
    body['servers_links'] = [
      { rel: 'next', href: `${ctx.state.endpoints.compute}/servers${detail ? '/detail' : ''}?${next.toString()}` },
    ];
  }
  return json(200, body);
}

export function findServerFor(ctx: NovaCtx, id: string): ServerRec {
  const s = ctx.state.servers.get(id);
  // Another project's server is "not found" to a non-admin, as in Nova.
  if (!s || (!ctx.admin && s.projectId !== ctx.token.projectId))
    throw new NovaHttpError(404, `Instance ${id} could not be found.`);
  return s;
}

export function showServer(ctx: NovaCtx, id: string): HttpReply {
  return json(200, { server: serverView(ctx, findServerFor(ctx, id)) });
}
