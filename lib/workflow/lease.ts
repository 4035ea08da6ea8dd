import { hostname } from 'node:os';
import * as z from 'zod';
import type { IncidentStore } from '../incidents/index.js';

/**
 * Which process runs an incident's execution in-process (`recover`, `start`, `incidents retry`),
 * so `incidents close` and `retry` can refuse while it is live. Kept as a store setting (both
 * backends have them) and renewed while the execution runs; a process that dies leaves a lease
 * that stops being renewed, and on the same machine its pid is gone at once. Executions in AWS
 * have no lease: Step Functions' own status answers for them (`--remote`).
 */
export const ExecutionLeaseSchema = z.object({
  incidentId: z.string(),
  machine: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  renewedAt: z.string(),
});
export type ExecutionLease = z.infer<typeof ExecutionLeaseSchema>;

/** How often a running execution renews its lease. */
export const LEASE_RENEW_MS = 5000;
/** A lease not renewed for this long belongs to a process that is gone (or frozen). */
export const LEASE_STALE_MS = 3 * LEASE_RENEW_MS;

const keyOf = (incidentId: string) => `execution:${incidentId}`;

export async function readLease(store: IncidentStore, incidentId: string): Promise<ExecutionLease | undefined> {
  const raw = await store.getSetting(keyOf(incidentId));
  if (!raw) return undefined;
  try {
    return ExecutionLeaseSchema.parse(JSON.parse(raw));
  } catch {
    return undefined; // unreadable: treated as no lease, like one that was never written
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Liveness {
  live: boolean;
  lease: ExecutionLease | undefined;
  /** For the operator: who runs it, or why the lease left behind does not count. */
  detail: string;
}

/** Is an in-process execution of this incident running somewhere right now? */
export async function executionLiveness(store: IncidentStore, incidentId: string, now = new Date()): Promise<Liveness> {
  const lease = await readLease(store, incidentId);
  if (!lease) return { live: false, lease, detail: 'no process holds its execution' };
  const who = `pid ${lease.pid} on ${lease.machine}`;
  const age = now.getTime() - Date.parse(lease.renewedAt);
  if (lease.machine === hostname() && !pidAlive(lease.pid))
    return { live: false, lease, detail: `its process (${who}) is gone` };
  if (age > LEASE_STALE_MS)
    return { live: false, lease, detail: `its process (${who}) stopped renewing ${Math.round(age / 1000)} s ago` };
  return { live: true, lease, detail: `running in ${who} since ${lease.startedAt}` };
}

/** Run an in-process execution under its lease: written first, renewed while it runs, removed at the end. */
export async function withExecutionLease<T>(
  store: IncidentStore,
  incidentId: string,
  run: () => Promise<T>,
  renewMs = LEASE_RENEW_MS,
): Promise<T> {
  const startedAt = new Date().toISOString();
  const write = () =>
    store.putSetting(
      keyOf(incidentId),
      JSON.stringify({
        incidentId,
        machine: hostname(),
        pid: process.pid,
        startedAt,
        renewedAt: new Date().toISOString(),
      }),
    );
  await write();
  const timer = setInterval(() => void write().catch(() => undefined), renewMs);
  timer.unref();
  try {
    return await run();
  } finally {
    clearInterval(timer);
    await store.putSetting(keyOf(incidentId), undefined).catch(() => undefined);
  }
}
