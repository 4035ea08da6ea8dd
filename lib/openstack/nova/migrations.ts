import * as z from 'zod';
import type { OpenStackSession } from '../session.js';
import { MICROVERSION } from './microversions.js';

const MigrationWire = z
  .object({
    id: z.number(),
    uuid: z.string().optional(),
    source_compute: z.string().nullable(),
    dest_compute: z.string().nullable(),
    status: z.string(),
    migration_type: z.string().optional(),
    instance_uuid: z.string(),
    created_at: z.string(),
    updated_at: z.string().nullable(),
  })
  .transform((m) => ({
    id: m.id,
    uuid: m.uuid ?? null,
    sourceCompute: m.source_compute,
    destCompute: m.dest_compute,
    status: m.status,
    type: m.migration_type ?? null,
    instanceId: m.instance_uuid,
    createdAt: m.created_at,
    updatedAt: m.updated_at,
  }));
export type Migration = z.output<typeof MigrationWire>;

const ListSchema = z.object({ migrations: z.array(MigrationWire) });

async function listMigrations(
  session: OpenStackSession,
  query: Record<string, string>,
  signal?: AbortSignal,
): Promise<Migration[]> {
  const res = await session.request({
    service: 'compute',
    method: 'GET',
    path: '/os-migrations',
    query: { ...query, migration_type: 'evacuation' },
    microversion: MICROVERSION.migrations,
    schema: ListSchema,
    signal,
  });
  // Filter again on our side: a proxy or an older API that ignores a filter must not widen the answer.
  return res.data.migrations.filter((m) => m.type === null || m.type === 'evacuation').sort((a, b) => a.id - b.id);
}

/** Evacuation migrations of one instance, oldest first. */
export async function listEvacuationMigrations(
  session: OpenStackSession,
  instanceId: string,
  signal?: AbortSignal,
): Promise<Migration[]> {
  return (await listMigrations(session, { instance_uuid: instanceId }, signal)).filter(
    (m) => m.instanceId === instanceId,
  );
}

/** Evacuation migrations away from a host (used by return-to-service and by `check`). */
export async function listHostEvacuations(
  session: OpenStackSession,
  host: string,
  signal?: AbortSignal,
): Promise<Migration[]> {
  return (await listMigrations(session, { source_compute: host }, signal)).filter((m) => m.sourceCompute === host);
}
