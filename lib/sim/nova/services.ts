import * as z from 'zod';
import { novaTime } from '../clock.js';
import { json, type HttpReply } from '../http.js';
import { serviceIsUp, serviceUpdatedAt } from '../hosts.js';
import { availabilityZoneOf, type CloudState, type ServiceRec } from '../state.js';
import { requireAdmin, type NovaCtx } from './context.js';
import { NovaHttpError } from './errors.js';
import { novaBool, novaHostname, parseBody, validateBody } from './validation.js';

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function serviceView(ctx: NovaCtx, svc: ServiceRec): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: ctx.minor >= 53 ? svc.uuid : svc.numericId,
    binary: svc.binary,
    disabled_reason: svc.disabledReason,
    host: svc.host,
    state: serviceIsUp(ctx.state, svc) ? 'up' : 'down',
    status: svc.disabled ? 'disabled' : 'enabled',
    updated_at: novaTime(serviceUpdatedAt(ctx.state, svc)),
    // Nova fills in a compute's zone from the aggregates at every listing (set_availability_zones).
    zone: svc.binary === 'nova-compute' ? availabilityZoneOf(ctx.state, svc.host) : svc.zone,
  };
  if (ctx.minor >= 11) view['forced_down'] = svc.forcedDown;
  return view;
}

/** GET /os-services[?binary=&host=] — exact matches, as Nova filters in Python. */
export function listServices(ctx: NovaCtx): HttpReply {
  requireAdmin(ctx, 'os_compute_api:os-services:list');
  const host = ctx.req.query.get('host');
  const binary = ctx.req.query.get('binary');
  const services = ctx.state.services.filter((s) => (!host || s.host === host) && (!binary || s.binary === binary));
  return json(200, { services: services.map((s) => serviceView(ctx, s)) });
}

const UpdateV253 = z.strictObject({
  status: z.enum(['enabled', 'disabled']).optional(),
  disabled_reason: z.string().min(1).max(255).optional(),
  forced_down: novaBool.optional(),
});

const LegacyUpdate = z.strictObject({
  host: novaHostname,
  binary: z.string().min(1).max(255),
  disabled_reason: z.string().min(1).max(255).optional(),
});
const LegacyUpdateV211 = LegacyUpdate.extend({ forced_down: novaBool.optional() });

/** Since Xena: un-forcing a host is refused while `done` evacuations from it await the source's clean-up. */
function assertNoDoneEvacuations(state: CloudState, host: string): void {
  if (
    state.migrations.some((m) => m.sourceCompute === host && m.migrationType === 'evacuation' && m.status === 'done')
  ) {
    throw new NovaHttpError(
      400,
      `Unable to force up host ${host} as \`done\` evacuation migration records remain associated with the host. Ensure the compute service has been restarted, allowing these records to move to \`completed\` before retrying this request.`,
    );
  }
}

/**
 * A changed `disabled` flag makes nova-api call the compute synchronously (COMPUTE_STATUS_DISABLED
 * trait) when the servicegroup says it is up. A dead-but-still-"up" compute never answers: the
 * API hangs for rpc_response_timeout, then answers 200 anyway (the row was saved first).
 * That is why DESIGN §3 forces down BEFORE disabling.
 */
async function syncComputeStatus(state: CloudState, svc: ServiceRec): Promise<void> {
  const host = state.hosts.get(svc.host);
  if (svc.binary !== 'nova-compute' || !host || !serviceIsUp(state, svc) || host.computeRunning) return;
  await state.timers.sleep(state.opts.rpcTimeoutMs);
}

/** PUT /os-services/{id}: 2.53+ by UUID; below, the legacy /enable, /disable, /disable-log-reason, /force-down (2.11+). */
export async function updateService(ctx: NovaCtx, id: string): Promise<HttpReply> {
  if (ctx.minor < 53) return legacyUpdate(ctx, id);
  if (!UUID_RE.test(id)) throw new NovaHttpError(400, `Invalid uuid ${id}`);
  const body = validateBody(UpdateV253, parseBody(ctx.req.body));
  requireAdmin(ctx, 'os_compute_api:os-services:update');
  const svc = ctx.state.services.find((s) => s.uuid === id.toLowerCase());
  if (!svc) throw new NovaHttpError(404, `Service ${id} could not be found.`);
  if (svc.binary !== 'nova-compute') {
    throw new NovaHttpError(
      400,
      `Updating a ${svc.binary} service is not supported. Only nova-compute services can be updated.`,
    );
  }
  if (body.status === 'enabled' && body.disabled_reason) {
    throw new NovaHttpError(400, "Specifying 'disabled_reason' with status 'enabled' is invalid.");
  }
  if (body.status === undefined && body.forced_down === undefined) {
    throw new NovaHttpError(400, "No updates were requested. Fields 'status' or 'forced_down' should be specified.");
  }
  if (body.forced_down === false) assertNoDoneEvacuations(ctx.state, svc.host);
  const disabledChanged = body.status !== undefined && (body.status === 'disabled') !== svc.disabled;
  if (body.status === 'enabled') {
    svc.disabled = false;
    svc.disabledReason = null;
  } else if (body.status === 'disabled') {
    svc.disabled = true;
    svc.disabledReason = body.disabled_reason ?? null;
  }
  if (body.forced_down !== undefined) svc.forcedDown = body.forced_down;
  svc.editedAt = ctx.state.clock.now();
  if (disabledChanged) await syncComputeStatus(ctx.state, svc);
  return json(200, { service: serviceView(ctx, svc) });
}

async function legacyUpdate(ctx: NovaCtx, action: string): Promise<HttpReply> {
  const schema = ctx.minor >= 11 ? LegacyUpdateV211 : LegacyUpdate;
  const body = validateBody(schema, parseBody(ctx.req.body)) as z.infer<typeof LegacyUpdateV211>;
  requireAdmin(ctx, 'os_compute_api:os-services:update');
  const actions = ['enable', 'disable', 'disable-log-reason', ...(ctx.minor >= 11 ? ['force-down'] : [])];
  if (!actions.includes(action)) throw new NovaHttpError(404, 'Unknown action');
  const svc = ctx.state.services.find((s) => s.host === body.host && s.binary === body.binary);
  if (!svc) throw new NovaHttpError(404, `Compute host ${body.host} with binary ${body.binary} could not be found.`);
  const now = ctx.state.clock.now();
  if (action === 'force-down') {
    if (body.forced_down === undefined) throw new NovaHttpError(400, 'Missing forced_down field');
    if (!body.forced_down) assertNoDoneEvacuations(ctx.state, svc.host);
    svc.forcedDown = body.forced_down;
    svc.editedAt = now;
    return json(200, { service: { host: svc.host, binary: svc.binary, forced_down: svc.forcedDown } });
  }
  if (action === 'disable-log-reason' && !body.disabled_reason)
    throw new NovaHttpError(400, 'Missing disabled reason field');
  const disable = action !== 'enable';
  const changed = disable !== svc.disabled;
  svc.disabled = disable;
  svc.disabledReason = action === 'disable-log-reason' ? body.disabled_reason! : null;
  svc.editedAt = now;
  if (changed) await syncComputeStatus(ctx.state, svc);
  const service: Record<string, unknown> = {
    host: svc.host,
    binary: svc.binary,
    status: disable ? 'disabled' : 'enabled',
  };
  if (svc.disabledReason) service['disabled_reason'] = svc.disabledReason;
  return json(200, { service });
}
