import { authenticate, unauthorized } from '../auth.js';
import { takeNovaFault } from '../faults.js';
import { json, type HttpReply, type Reply, type SimRequest } from '../http.js';
import { isAdminToken } from '../identity.js';
import type { CloudState } from '../state.js';
import { serverAction } from './actions.js';
import { listAggregates } from './aggregates.js';
import { aggregateAction, showAggregate } from './aggregate-actions.js';
import type { NovaCtx } from './context.js';
import { NovaHttpError, novaFault, upstreamFailure } from './errors.js';
import { flavorExtraSpecs, listFlavors, showFlavor } from './flavors.js';
import { listHypervisors } from './hypervisors.js';
import { formatMinor, microversionHeaders, minorOf, negotiateMicroversion } from './microversion.js';
import { listMigrations } from './migrations.js';
import { showServer, listServers } from './servers.js';
import { listServices, updateService } from './services.js';
import { rootVersions, v21Doc } from './versions.js';

type Handler = (ctx: NovaCtx, params: string[]) => HttpReply | Promise<HttpReply>;

const ROUTES: Array<[method: string, pattern: RegExp, handler: Handler]> = [
  ['GET', /^\/os-services$/, (ctx) => listServices(ctx)],
  ['PUT', /^\/os-services\/([^/]+)$/, (ctx, [id]) => updateService(ctx, id!)],
  ['GET', /^\/servers$/, (ctx) => listServers(ctx, false)],
  ['GET', /^\/servers\/detail$/, (ctx) => listServers(ctx, true)],
  ['GET', /^\/servers\/([^/]+)$/, (ctx, [id]) => showServer(ctx, id!)],
  ['POST', /^\/servers\/([^/]+)\/action$/, (ctx, [id]) => serverAction(ctx, id!)],
  ['GET', /^\/os-migrations$/, (ctx) => listMigrations(ctx)],
  ['GET', /^\/flavors$/, (ctx) => listFlavors(ctx, false)],
  ['GET', /^\/flavors\/detail$/, (ctx) => listFlavors(ctx, true)],
  ['GET', /^\/flavors\/([^/]+)$/, (ctx, [id]) => showFlavor(ctx, id!)],
  // Nova's path is os-extra_specs (underscore). The hyphenated form is kept only for older sim tests.
  ['GET', /^\/flavors\/([^/]+)\/os-extra[_-]specs$/, (ctx, [id]) => flavorExtraSpecs(ctx, id!)],
  ['GET', /^\/flavors\/([^/]+)\/os-extra[_-]specs\/([^/]+)$/, (ctx, [id, key]) => flavorExtraSpecs(ctx, id!, key!)],
  ['GET', /^\/os-aggregates$/, (ctx) => listAggregates(ctx)],
  ['GET', /^\/os-aggregates\/([^/]+)$/, (ctx, [id]) => showAggregate(ctx, id!)],
  ['POST', /^\/os-aggregates\/([^/]+)\/action$/, (ctx, [id]) => aggregateAction(ctx, id!)],
  ['GET', /^\/os-hypervisors$/, (ctx) => listHypervisors(ctx, false)],
  ['GET', /^\/os-hypervisors\/detail$/, (ctx) => listHypervisors(ctx, true)],
];

/**
 * Nova's API pipeline in order: the load balancer (fault knobs), the unauthenticated version
 * documents, keystonemiddleware (401), microversion negotiation (400/406), then the controllers.
 */
export function novaHandler(state: CloudState) {
  const maxMinor = minorOf(state.opts.maxMicroversion);
  return async (req: SimRequest): Promise<Reply> => {
    const fault = takeNovaFault(state.faults, req.rawUrl);
    if (fault === 'fail') return upstreamFailure(state.faults.nova.status);
    if (fault === 'hang') return { hang: true };

    /** The negotiated minor version, or the 406/400 fault to answer with. */
    const negotiate = () => {
      try {
        return negotiateMicroversion(req, maxMinor);
      } catch (err) {
        if (err instanceof NovaHttpError) return novaFault(err.status, err.message);
        throw err;
      }
    };

    if (req.path === '/' && req.method === 'GET') return json(300, rootVersions(state));
    if (req.path !== '/v2.1' && !req.path.startsWith('/v2.1/'))
      return novaFault(404, 'The resource could not be found.');
    if (req.path === '/v2.1' && req.method === 'GET') {
      // No token needed, but the microversion is negotiated (406 beyond the maximum) and echoed.
      const minor = negotiate();
      if (typeof minor !== 'number') return minor;
      return json(200, { version: v21Doc(state) }, microversionHeaders(minor));
    }

    const token = authenticate(state, req);
    if (!token) return unauthorized(state);
    const minor = negotiate();
    if (typeof minor !== 'number') return minor;
    const ctx: NovaCtx = { state, req, minor, token, admin: isAdminToken(state, token) };
    const reply = await dispatch(ctx, req.path.slice('/v2.1'.length));
    const withHeaders: HttpReply = {
      ...reply,
      headers: { ...microversionHeaders(minor), ...(reply.headers ?? {}) },
      microversion: formatMinor(minor),
    };
    // The change is made, the answer is lost: the client cannot tell whether it happened (S5).
    if (fault === 'lose-response') return { hang: true, microversion: formatMinor(minor) };
    return withHeaders;
  };
}

async function dispatch(ctx: NovaCtx, path: string): Promise<HttpReply> {
  let pathKnown = false;
  try {
    for (const [method, pattern, handler] of ROUTES) {
      const m = pattern.exec(path);
      if (!m) continue;
      pathKnown = true;
      if (method !== ctx.req.method) continue;
      return await handler(
        ctx,
        m.slice(1).map((p) => decodeURIComponent(p)),
      );
    }
    return pathKnown
      ? novaFault(405, 'The method is not allowed for the requested URL.')
      : novaFault(404, 'The resource could not be found.');
  } catch (err) {
    if (err instanceof NovaHttpError) return novaFault(err.status, err.message);
    throw err;
  }
}
