import * as z from 'zod';
import { startEvacuation } from '../evacuation.js';
import { castToCompute, serviceIsUp } from '../hosts.js';
import { empty, json, type HttpReply } from '../http.js';
import { newSecret } from '../ids.js';
import { computeService, getHost, type ServerRec } from '../state.js';
import { requireAdmin, type NovaCtx } from './context.js';
import { NovaHttpError } from './errors.js';
import { checkInstanceLock, lockAction, unlockAction } from './locks.js';
import { findServerFor } from './servers.js';
import { novaBool, novaHostname, parseBody, validateBody } from './validation.js';

/** The evacuate body by microversion range, as Nova's schemas define it (additionalProperties: false). */
const Evacuate_2_1 = z.strictObject({
  host: novaHostname.optional(),
  onSharedStorage: novaBool,
  adminPass: z.string().optional(),
});
const Evacuate_2_14 = z.strictObject({ host: novaHostname.optional(), adminPass: z.string().optional() });
const Evacuate_2_29 = Evacuate_2_14.extend({ force: novaBool.optional() });

function evacuateSchema(minor: number): z.ZodType<{
  host?: string | undefined;
  adminPass?: string | undefined;
  onSharedStorage?: boolean;
  force?: boolean | undefined;
}> {
  if (minor < 14) return Evacuate_2_1;
  if (minor < 29) return Evacuate_2_14;
  if (minor < 68) return Evacuate_2_29;
  return Evacuate_2_14;
}

/** check_instance_state's 409: "Cannot 'evacuate' instance X while it is in vm_state building". */
function invalidState(action: string, s: ServerRec, attr: string, state: unknown): NovaHttpError {
  if (state === null || state === undefined)
    return new NovaHttpError(409, `Instance ${s.id} is in an invalid state for '${action}'`);
  return new NovaHttpError(409, `Cannot '${action}' instance ${s.id} while it is in ${attr} ${String(state)}`);
}

/** POST /servers/{id}/action — evacuate (the point of the sim), plus os-stop / os-start / os-resetState and lock / unlock. */
export function serverAction(ctx: NovaCtx, id: string): HttpReply {
  const body = parseBody(ctx.req.body);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new NovaHttpError(400, 'Malformed request body');
  const action = Object.keys(body)[0];
  const args = (body as Record<string, unknown>)[action ?? ''];
  switch (action) {
    case 'evacuate':
      return evacuate(ctx, id, args);
    case 'os-stop':
      return powerAction(ctx, id, 'stop');
    case 'os-start':
      return powerAction(ctx, id, 'start');
    case 'os-resetState':
      return resetState(ctx, id, args);
    case 'lock':
      return lockAction(ctx, id, args);
    case 'unlock':
      return unlockAction(ctx, id);
    default:
      throw new NovaHttpError(400, `There is no such action: ${action ?? ''}`);
  }
}

function evacuate(ctx: NovaCtx, id: string, args: unknown): HttpReply {
  const { state, minor } = ctx;
  const body = validateBody(evacuateSchema(minor), args, 'evacuate');
  const server = findServerFor(ctx, id);
  requireAdmin(ctx, 'os_compute_api:os-evacuate');
  const host = body.host;
  const force = minor >= 29 && minor < 68 ? (body.force ?? false) : false;
  if (force && !host) throw new NovaHttpError(400, "Can't force to a non-provided destination");

  let adminPass: string | null = null;
  if (minor < 14) {
    if (body.adminPass !== undefined && body.onSharedStorage)
      throw new NovaHttpError(400, "admin password can't be changed on existing disk");
    adminPass = body.adminPass ?? (body.onSharedStorage ? null : newSecret(9));
  }
  if (host !== undefined && !computeService(state, host))
    throw new NovaHttpError(404, `Compute host ${host} not found.`);
  if (server.host === host) throw new NovaHttpError(400, "The target host can't be the same one.");

  // compute_api.evacuate: vm_state first (any task_state: FACTS rule 4), then "has it ever launched".
  if (!['active', 'stopped', 'error'].includes(server.vmState))
    throw invalidState('evacuate', server, 'vm_state', server.vmState);
  if (server.launchedAt === null) throw invalidState('evacuate', server, 'launched_at', null);
  const source = server.host ? computeService(state, server.host) : undefined;
  if (!source) throw new NovaHttpError(404, `Compute host ${server.host ?? 'None'} not found.`);
  if (serviceIsUp(state, source)) throw new NovaHttpError(400, `Compute service of ${source.host} is still in use.`);

  const req: Parameters<typeof startEvacuation>[2] = {
    bypassScheduler: host !== undefined && (force || minor < 29),
    minor,
  };
  if (host !== undefined) req.host = host;
  if (minor < 14) req.onSharedStorage = body.onSharedStorage!;
  startEvacuation(state, server, req);
  // Before 2.14 Nova returns the (generated) admin password; from 2.14 an empty 200.
  return minor < 14 ? json(200, { adminPass }) : empty(200);
}

/** os-stop / os-start: a cast to the instance's compute; a dead compute leaves the task pending. */
function powerAction(ctx: NovaCtx, id: string, what: 'stop' | 'start'): HttpReply {
  const { state } = ctx;
  const server = findServerFor(ctx, id);
  checkInstanceLock(ctx, server);
  const want = what === 'stop' ? 'active' : 'stopped';
  if (server.vmState !== want && !(what === 'stop' && server.vmState === 'error'))
    throw invalidState(what, server, 'vm_state', server.vmState);
  if (server.taskState !== null) throw invalidState(what, server, 'task_state', server.taskState);
  if (!server.host) throw invalidState(what, server, 'host', null);
  server.taskState = what === 'stop' ? 'powering-off' : 'powering-on';
  server.updatedAt = state.clock.now();
  const host = getHost(state, server.host);
  castToCompute(host, () => {
    state.timers.later(Math.min(200, state.opts.rebuildMs / 5), () => {
      if (server.taskState !== (what === 'stop' ? 'powering-off' : 'powering-on')) return;
      server.vmState = what === 'stop' ? 'stopped' : 'active';
      server.powerState = what === 'stop' ? 4 : 1;
      server.taskState = null;
      server.updatedAt = state.clock.now();
    });
  });
  return empty(202);
}

/** Nova's reset_server_state schema: {"state": "active" | "error"}, nothing else. */
const ResetState = z.strictObject({ state: z.enum(['active', 'error']) });

/**
 * os-resetState (admin, 202): sets vm_state, clears task_state, touches no host. Nova saves it
 * with admin_state_reset, so it works whatever the instance's host is doing (or not doing).
 */
function resetState(ctx: NovaCtx, id: string, args: unknown): HttpReply {
  const body = validateBody(ResetState, args, 'os-resetState');
  const server = findServerFor(ctx, id);
  requireAdmin(ctx, 'os_compute_api:os-admin-actions:reset_state');
  server.vmState = body.state;
  server.taskState = null;
  server.updatedAt = ctx.state.clock.now();
  return empty(202);
}
