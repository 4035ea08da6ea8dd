import * as z from 'zod';
import type { OpenStackSession } from '../session.js';
import { MICROVERSION } from './microversions.js';

/** Nova's timestamps have no zone and are UTC: "2026-11-25T03:43:18.000000". */
export function parseNovaTime(value: string | null | undefined): Date | null {
  if (!value) return null;
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

const ServiceWire = z
  .object({
    id: z.string(),
    binary: z.string(),
    host: z.string(),
    zone: z.string().nullish(),
    status: z.enum(['enabled', 'disabled']),
    state: z.enum(['up', 'down']),
    forced_down: z.boolean(),
    updated_at: z.string().nullable(),
    disabled_reason: z.string().nullish(),
  })
  .transform((s) => ({
    id: s.id,
    host: s.host,
    zone: s.zone ?? null,
    status: s.status,
    state: s.state,
    forcedDown: s.forced_down,
    updatedAt: s.updated_at,
    disabledReason: s.disabled_reason ?? null,
  }));
export type ComputeService = z.output<typeof ServiceWire>;

const ListSchema = z.object({ services: z.array(ServiceWire) });
const OneSchema = z.object({ service: ServiceWire });

export interface ServiceListing {
  services: ComputeService[];
  /** Nova's own clock at the time of the answer (Date header). */
  serverDate?: Date;
}

export async function listComputeServices(session: OpenStackSession, signal?: AbortSignal): Promise<ServiceListing> {
  const res = await session.request({
    service: 'compute',
    method: 'GET',
    path: '/os-services',
    query: { binary: 'nova-compute' },
    microversion: MICROVERSION.services,
    schema: ListSchema,
    signal,
  });
  return { services: res.data.services, serverDate: res.serverDate };
}

async function updateService(
  session: OpenStackSession,
  id: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<ComputeService> {
  const res = await session.request({
    service: 'compute',
    method: 'PUT',
    path: `/os-services/${encodeURIComponent(id)}`,
    body,
    microversion: MICROVERSION.services,
    schema: OneSchema,
    signal,
  });
  return res.data.service;
}

/** Tell Nova the service is down now, without waiting for service_down_time (S2: always before disable). */
export const forceDownService = (session: OpenStackSession, id: string, signal?: AbortSignal) =>
  updateService(session, id, { forced_down: true }, signal);
export const unforceDownService = (session: OpenStackSession, id: string, signal?: AbortSignal) =>
  updateService(session, id, { forced_down: false }, signal);
export const disableService = (session: OpenStackSession, id: string, reason: string, signal?: AbortSignal) =>
  updateService(session, id, { status: 'disabled', disabled_reason: reason.slice(0, 255) }, signal);
export const enableService = (session: OpenStackSession, id: string, signal?: AbortSignal) =>
  updateService(session, id, { status: 'enabled' }, signal);

/**
 * The freshest of these heartbeats (`updated_at` values), or null when none parses. Nova writes
 * every `updated_at` on one clock, so its time is at least this: ages read against it can only be
 * under-read, never inflated by our clock.
 */
export function freshestHeartbeat(updatedAts: ReadonlyArray<string | null | undefined>): Date | null {
  const freshest = Math.max(
    ...updatedAts.map((u) => parseNovaTime(u)?.getTime() ?? Number.NaN).filter(Number.isFinite),
  );
  return Number.isFinite(freshest) ? new Date(freshest) : null;
}

/** Nova's own time for a listing: its Date header, else the freshest heartbeat in it. */
export function novaTimeOf(listing: ServiceListing): Date | null {
  return listing.serverDate ?? freshestHeartbeat(listing.services.map((s) => s.updatedAt));
}
