import * as z from 'zod';
import type { OpenStackSession } from '../session.js';

const AssignmentWire = z.object({
  role: z.object({ id: z.string(), name: z.string().optional() }),
  user: z.object({ id: z.string(), name: z.string().optional() }).optional(),
});
const ListSchema = z.object({ role_assignments: z.array(AssignmentWire) });

export interface ProjectMember {
  userId: string;
  userName?: string;
  roles: string[];
}

/**
 * Members of a project from its effective role assignments (group memberships expanded),
 * one entry per user. Never `default_project_id`: it says nothing about membership.
 */
export async function listProjectMembers(
  session: OpenStackSession,
  projectId: string,
  signal?: AbortSignal,
): Promise<ProjectMember[]> {
  const res = await session.request({
    service: 'identity',
    method: 'GET',
    path: '/role_assignments',
    query: { 'scope.project.id': projectId, effective: true, include_names: true },
    schema: ListSchema,
    signal,
  });
  const byUser = new Map<string, ProjectMember>();
  for (const a of res.data.role_assignments) {
    if (!a.user) continue;
    const m = byUser.get(a.user.id) ?? { userId: a.user.id, userName: a.user.name, roles: [] };
    const role = a.role.name ?? a.role.id;
    if (!m.roles.includes(role)) m.roles.push(role);
    byUser.set(a.user.id, m);
  }
  return [...byUser.values()];
}
