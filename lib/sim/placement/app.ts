import { authenticate, unauthorized } from '../auth.js';
import { json, type HttpReply, type Reply, type SimRequest } from '../http.js';
import { isAdminToken } from '../identity.js';
import type { CloudState } from '../state.js';
import { placementError, PlacementHttpError, providerNotFound } from './errors.js';
import { negotiatePlacementVersion, PLACEMENT_MAX_MINOR, placementVersionHeaders } from './microversion.js';
import { allocationsOn, hostOfProvider, placementModel, providerUuid, usagesOn } from './model.js';

interface Ctx {
  state: CloudState;
  req: SimRequest;
  minor: number;
}
type Handler = (ctx: Ctx, params: string[]) => HttpReply;

/** Query parameters GET /resource_providers accepts, with the microversion that added each. */
const LIST_PARAMS: Record<string, number> = { name: 0, uuid: 0, member_of: 3, resources: 4, in_tree: 14, required: 18 };

function providerView(ctx: Ctx, host: string): Record<string, unknown> {
  const uuid = providerUuid(host);
  const base = `/resource_providers/${uuid}`;
  const links = [
    { rel: 'self', href: base },
    { rel: 'inventories', href: `${base}/inventories` },
    { rel: 'usages', href: `${base}/usages` },
  ];
  if (ctx.minor >= 1) links.push({ rel: 'aggregates', href: `${base}/aggregates` });
  if (ctx.minor >= 6) links.push({ rel: 'traits', href: `${base}/traits` });
  if (ctx.minor >= 11) links.push({ rel: 'allocations', href: `${base}/allocations` });
  const v: Record<string, unknown> = {
    uuid,
    name: host,
    generation: placementModel(ctx.state).generations.get(host) ?? 1,
    links,
  };
  if (ctx.minor >= 14) Object.assign(v, { parent_provider_uuid: null, root_provider_uuid: uuid });
  return v;
}

function listProviders(ctx: Ctx): HttpReply {
  const unknown = [...ctx.req.query.keys()].filter((k) => (LIST_PARAMS[k] ?? Infinity) > ctx.minor);
  if (unknown.length)
    throw new PlacementHttpError(
      400,
      `Invalid query string parameters: Additional properties are not allowed ('${unknown[0]}' was unexpected)  `,
    );
  const name = ctx.req.query.get('name');
  const uuid = ctx.req.query.get('uuid');
  const hosts = [...ctx.state.hosts.keys()].filter(
    (h) => (name === null || h === name) && (uuid === null || providerUuid(h) === uuid),
  );
  return json(200, { resource_providers: hosts.map((h) => providerView(ctx, h)) });
}

function hostOf(ctx: Ctx, uuid: string, what: 'inventories' | 'usages' | 'allocations'): string {
  const host = hostOfProvider(ctx.state, uuid);
  if (!host) throw providerNotFound(uuid, what);
  return host;
}

function generation(ctx: Ctx, host: string): number {
  return placementModel(ctx.state).generations.get(host) ?? 1;
}

function inventories(ctx: Ctx, [uuid]: string[]): HttpReply {
  const host = hostOf(ctx, uuid!, 'inventories');
  const inv = structuredClone(placementModel(ctx.state).inventories.get(host) ?? {}) as Record<string, unknown>;
  // The fault knob: an answer a broken proxy or a buggy Placement could give; the real API never does.
  if (ctx.state.faults.placement.mode === 'non-numeric' && inv.VCPU)
    (inv.VCPU as Record<string, unknown>).total = 'sixteen';
  return json(200, { resource_provider_generation: generation(ctx, host), inventories: inv });
}

function usages(ctx: Ctx, [uuid]: string[]): HttpReply {
  const host = hostOf(ctx, uuid!, 'usages');
  return json(200, { resource_provider_generation: generation(ctx, host), usages: usagesOn(ctx.state, host) });
}

function providerAllocations(ctx: Ctx, [uuid]: string[]): HttpReply {
  const host = hostOf(ctx, uuid!, 'allocations');
  const allocations: Record<string, unknown> = {};
  for (const [consumer, resources] of allocationsOn(ctx.state, host)) allocations[consumer] = { resources };
  return json(200, { resource_provider_generation: generation(ctx, host), allocations });
}

function consumerAllocations(ctx: Ctx, [consumer]: string[]): HttpReply {
  const allocations: Record<string, unknown> = {};
  for (const host of ctx.state.hosts.keys()) {
    const resources = allocationsOn(ctx.state, host).get(consumer!);
    if (resources) allocations[providerUuid(host)] = { generation: generation(ctx, host), resources };
  }
  const server = ctx.state.servers.get(consumer!);
  const body: Record<string, unknown> = { allocations };
  if (ctx.minor >= 12 && server && Object.keys(allocations).length)
    Object.assign(body, { project_id: server.projectId, user_id: server.userId });
  if (ctx.minor >= 28 && Object.keys(allocations).length) body.consumer_generation = 1;
  return json(200, body);
}

const ROUTES: Array<[pattern: RegExp, handler: Handler, policy: string]> = [
  [/^\/resource_providers$/, (c) => listProviders(c), 'resource_providers:list'],
  [/^\/resource_providers\/([^/]+)\/inventories$/, inventories, 'resource_providers:inventories:list'],
  [/^\/resource_providers\/([^/]+)\/usages$/, usages, 'resource_providers:usages'],
  [/^\/resource_providers\/([^/]+)\/allocations$/, providerAllocations, 'resource_providers:allocations:list'],
  [/^\/allocations\/([^/]+)$/, consumerAllocations, 'allocations:list'],
];

function rootDocument(): HttpReply {
  return json(200, {
    versions: [
      {
        id: 'v1.0',
        max_version: `1.${PLACEMENT_MAX_MINOR}`,
        min_version: '1.0',
        status: 'CURRENT',
        links: [{ rel: 'self', href: '' }],
      },
    ],
  });
}

/**
 * A read-only Placement (the calls freezer-dr makes): version document, keystonemiddleware (401),
 * microversion negotiation (400/406), the admin policy (403), then the handlers.
 */
export function placementHandler(state: CloudState) {
  return (req: SimRequest): Reply => {
    if (req.path === '/' && req.method === 'GET') return rootDocument();
    const token = authenticate(state, req);
    if (!token) return unauthorized(state);
    let minor: number;
    try {
      minor = negotiatePlacementVersion(req);
    } catch (err) {
      // A refused microversion is answered without a version header, as Placement does.
      if (err instanceof PlacementHttpError) return placementError(err, 0);
      throw err;
    }
    let reply: HttpReply;
    try {
      reply = dispatch({ state, req, minor }, isAdminToken(state, token));
    } catch (err) {
      if (!(err instanceof PlacementHttpError)) throw err;
      reply = placementError(err, minor);
    }
    return { ...reply, headers: { ...placementVersionHeaders(minor), ...(reply.headers ?? {}) } };
  };
}

function dispatch(ctx: Ctx, admin: boolean): HttpReply {
  for (const [pattern, handler, policy] of ROUTES) {
    const m = pattern.exec(ctx.req.path);
    if (!m) continue;
    if (ctx.req.method !== 'GET') {
      const reply = placementError(
        new PlacementHttpError(405, 'The method specified is not allowed for this resource.'),
        ctx.minor,
      );
      const body = reply.json as { errors: Array<Record<string, unknown>> };
      body.errors[0]!.detail = `The method ${ctx.req.method} is not allowed for this resource. \n\n The method specified is not allowed for this resource.`;
      return { ...reply, headers: { Allow: 'GET' } };
    }
    if (!admin) throw new PlacementHttpError(403, `Policy does not allow placement:${policy} to be performed.  `);
    return handler(
      ctx,
      m.slice(1).map((p) => decodeURIComponent(p)),
    );
  }
  throw new PlacementHttpError(404, 'The resource could not be found.  ');
}
