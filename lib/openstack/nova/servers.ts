import * as z from 'zod';
import type { OpenStackSession } from '../session.js';
import { MICROVERSION } from './microversions.js';
import { postServerAction } from './server-action.js';

const ServerWire = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    tenant_id: z.string(),
    user_id: z.string().nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
    image: z.union([z.object({ id: z.string() }).loose(), z.literal('')]).nullish(),
    flavor: z
      .object({ original_name: z.string().optional(), extra_specs: z.record(z.string(), z.string()).optional() })
      .loose()
      .nullish(),
    'OS-EXT-SRV-ATTR:host': z.string().nullable(),
    'OS-EXT-STS:vm_state': z.string(),
    'OS-EXT-STS:task_state': z.string().nullable(),
    'OS-SRV-USG:launched_at': z.string().nullish(),
    fault: z.object({ code: z.number().optional(), message: z.string() }).loose().nullish(),
    /** 2.9+: locked by anyone (its owner or an admin). */
    locked: z.boolean().nullish(),
  })
  .transform((s) => ({
    id: s.id,
    name: s.name,
    status: s.status,
    projectId: s.tenant_id,
    userId: s.user_id ?? null,
    host: s['OS-EXT-SRV-ATTR:host'],
    vmState: s['OS-EXT-STS:vm_state'],
    taskState: s['OS-EXT-STS:task_state'],
    launchedAt: s['OS-SRV-USG:launched_at'] ?? null,
    metadata: s.metadata ?? {},
    imageId: s.image && typeof s.image === 'object' ? s.image.id : null,
    flavorName: s.flavor?.original_name ?? null,
    flavorExtraSpecs: s.flavor?.extra_specs ?? {},
    fault: s.fault?.message ?? null,
    /** null when the view did not say (below 2.9): treat as "unknown", never as unlocked. */
    locked: s.locked ?? null,
  }));
export type Server = z.output<typeof ServerWire>;

const ListSchema = z.object({ servers: z.array(ServerWire) });
const OneSchema = z.object({ server: ServerWire });

/**
 * Every server on exactly this host, in every project. Nova's `host` filter is an exact match,
 * and we filter again on our side so that `compute-1` can never pick up `compute-10` (S3),
 * whatever the API version or a proxy in between does with the query.
 */
export async function listServersOnHost(
  session: OpenStackSession,
  host: string,
  signal?: AbortSignal,
): Promise<Server[]> {
  const servers: Server[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const res = await session.request({
      service: 'compute',
      method: 'GET',
      path: '/servers/detail',
      query: { all_tenants: 1, host, limit: 1000, marker },
      microversion: MICROVERSION.servers,
      schema: ListSchema,
      signal,
    });
    servers.push(...res.data.servers);
    if (res.data.servers.length < 1000) break;
    marker = res.data.servers.at(-1)?.id;
  }
  return servers.filter((s) => s.host === host);
}

export async function getServer(session: OpenStackSession, id: string, signal?: AbortSignal): Promise<Server> {
  return (
    await session.request({
      service: 'compute',
      method: 'GET',
      path: `/servers/${encodeURIComponent(id)}`,
      microversion: MICROVERSION.servers,
      schema: OneSchema,
      signal,
    })
  ).data.server;
}

export interface EvacuateOptions {
  /** Target host; unset lets the scheduler choose. `force` is never sent (DESIGN §6). */
  targetHost?: string;
  microversion: typeof MICROVERSION.evacuateClassic | typeof MICROVERSION.evacuateStopped;
  signal?: AbortSignal;
}

/** POST /servers/{id}/action {"evacuate": {}}: asynchronous, never retried here (S5). */
export async function evacuateServer(session: OpenStackSession, id: string, opts: EvacuateOptions): Promise<void> {
  await postServerAction(
    session,
    id,
    { evacuate: opts.targetHost ? { host: opts.targetHost } : {} },
    {
      microversion: opts.microversion,
      idempotent: false,
      signal: opts.signal,
    },
  );
}

const LockViewSchema = z
  .object({ server: z.object({ locked: z.boolean(), locked_reason: z.string().nullish() }).loose() })
  .transform((v) => ({ locked: v.server.locked, lockedReason: v.server.locked_reason ?? null }));
export type ServerLock = z.output<typeof LockViewSchema>;

/** GET /servers/{id} at 2.73: whether it is locked and the reason given (null when none was). */
export async function getServerLock(session: OpenStackSession, id: string, signal?: AbortSignal): Promise<ServerLock> {
  return (
    await session.request({
      service: 'compute',
      method: 'GET',
      path: `/servers/${encodeURIComponent(id)}`,
      microversion: MICROVERSION.locks,
      schema: LockViewSchema,
      signal,
    })
  ).data;
}

/**
 * POST /servers/{id}/action {"lock": {"locked_reason": ...}} (2.73; the reason is 1-255 characters).
 * Nova writes the lock to its database only (no call to the compute host), so it works on an
 * instance of a dead host. An admin's lock on an instance its owner locked replaces the owner's
 * lock: read `locked` first.
 */
export async function lockServer(
  session: OpenStackSession,
  id: string,
  reason: string,
  signal?: AbortSignal,
): Promise<void> {
  await postServerAction(
    session,
    id,
    { lock: { locked_reason: reason } },
    { microversion: MICROVERSION.locks, idempotent: false, signal },
  );
}

/** POST /servers/{id}/action {"unlock": null}: an admin may lift anyone's lock, so the caller checks whose it is. */
export async function unlockServer(session: OpenStackSession, id: string, signal?: AbortSignal): Promise<void> {
  await postServerAction(
    session,
    id,
    { unlock: null },
    { microversion: MICROVERSION.locks, idempotent: false, signal },
  );
}
