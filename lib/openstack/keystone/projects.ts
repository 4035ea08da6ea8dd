import * as z from 'zod';
import type { OpenStackSession } from '../session.js';

const ProjectWire = z
  .object({ project: z.object({ id: z.string(), name: z.string() }).loose() })
  .transform((p) => ({ id: p.project.id, name: p.project.name }));
export type Project = z.output<typeof ProjectWire>;

/** GET /v3/projects/{id}: people recognise their project by name, not by id. */
export async function getProject(session: OpenStackSession, id: string, signal?: AbortSignal): Promise<Project> {
  return (
    await session.request({
      service: 'identity',
      method: 'GET',
      path: `/projects/${encodeURIComponent(id)}`,
      schema: ProjectWire,
      signal,
    })
  ).data;
}
