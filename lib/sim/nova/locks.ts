import * as z from 'zod';
import { empty, type HttpReply } from '../http.js';
import type { ServerRec } from '../state.js';
import { requireAdmin, type NovaCtx } from './context.js';
import { NovaHttpError } from './errors.js';
import { findServerFor } from './servers.js';
import { validateBody } from './validation.js';

/** 2.73's lock body: null, or an object with an optional 1-255 character locked_reason (additionalProperties: false). */
const Lock_2_73 = z.union([z.null(), z.strictObject({ locked_reason: z.string().min(1).max(255).optional() })]);

/**
 * POST /servers/{id}/action {"lock": ...}: 202. Nova writes the database only (no RPC), so a dead
 * host does not matter. An owner locking an instance that is already locked changes nothing; an
 * admin (not of the instance's project) always overwrites `locked_by` with "admin" and, when
 * given, the reason — which is why a caller must read `locked` before it locks.
 */
export function lockAction(ctx: NovaCtx, id: string, args: unknown): HttpReply {
  const reason = ctx.minor >= 73 ? (validateBody(Lock_2_73, args, 'lock')?.locked_reason ?? null) : null;
  const server = findServerFor(ctx, id);
  const owner = server.projectId === ctx.token.projectId;
  if (server.lockedBy !== null && owner) return empty(202);
  server.lockedBy = owner ? 'owner' : 'admin';
  if (reason !== null) server.lockedReason = reason;
  server.updatedAt = ctx.state.clock.now();
  return empty(202);
}

/** POST /servers/{id}/action {"unlock": ...}: 202; lifting someone else's lock needs the admin-only override rule. */
export function unlockAction(ctx: NovaCtx, id: string): HttpReply {
  const server = findServerFor(ctx, id);
  const expected = server.projectId === ctx.token.projectId ? 'owner' : 'admin';
  if (server.lockedBy !== null && server.lockedBy !== expected)
    requireAdmin(ctx, 'os_compute_api:os-lock-server:unlock:unlock_override');
  server.lockedBy = null;
  server.lockedReason = null;
  server.updatedAt = ctx.state.clock.now();
  return empty(202);
}

/** check_instance_lock: a locked instance refuses a non-admin's action with 409. */
export function checkInstanceLock(ctx: NovaCtx, server: ServerRec): void {
  if (server.lockedBy !== null && !ctx.admin) throw new NovaHttpError(409, `Instance ${server.id} is locked`);
}
