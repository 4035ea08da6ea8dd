import { json, type HttpReply, type SimRequest } from '../http.js';
import { findProject, findRole, findUser, impliedRoles, isAdminToken } from '../identity.js';
import type { CloudState, TokenRec } from '../state.js';
import { forbidden, keystoneError, queryFilterIsTrue } from './errors.js';

interface Entity {
  roleId: string;
  projectId: string;
  userId?: string;
  groupId?: string;
  indirect?: { groupId?: string; roleId?: string };
}

/**
 * GET /v3/role_assignments. With `effective`, group assignments become one entry per member
 * (links.membership) and implied roles are added (links.prior_role) — so one user can appear
 * several times; callers must de-duplicate. Formatting follows Keystone's `_format_entity`.
 */
export function listRoleAssignments(state: CloudState, req: SimRequest, caller: TokenRec): HttpReply {
  if (!isAdminToken(state, caller)) return forbidden('identity:list_role_assignments');
  const q = req.query;
  const effective = queryFilterIsTrue(q, 'effective');
  const includeNames = queryFilterIsTrue(q, 'include_names');
  if (q.get('scope.domain.id') && q.get('scope.project.id'))
    return keystoneError(400, 'Specify a domain or project, not both');
  if (q.get('user.id') && q.get('group.id')) return keystoneError(400, 'Specify a user or group, not both');
  if (effective && q.get('group.id'))
    return keystoneError(400, 'Combining effective and group filter will always result in an empty list.');

  let entities: Entity[] = state.seed.assignments.map((a) => {
    const e: Entity = { roleId: a.roleId, projectId: a.projectId };
    if (a.userId !== undefined) e.userId = a.userId;
    if (a.groupId !== undefined) e.groupId = a.groupId;
    return e;
  });
  if (effective) {
    entities = entities.flatMap((e): Entity[] => {
      if (e.groupId === undefined) return [e];
      const group = state.seed.groups.find((g) => g.id === e.groupId);
      return (group?.userIds ?? []).map((userId) => ({
        roleId: e.roleId,
        projectId: e.projectId,
        userId,
        indirect: { groupId: e.groupId! },
      }));
    });
    entities = entities.flatMap((e) => [
      e,
      ...impliedRoles(state, e.roleId).map(
        (implied): Entity => ({ ...e, roleId: implied, indirect: { ...e.indirect, roleId: e.roleId } }),
      ),
    ]);
  }
  const userId = q.get('user.id');
  const groupId = q.get('group.id');
  const roleId = q.get('role.id');
  const projectId = q.get('scope.project.id');
  // Every seeded assignment is on a project: a domain or system scope filter matches none.
  const otherScope = q.get('scope.domain.id') || q.has('scope.system');
  entities = entities.filter(
    (e) =>
      !otherScope &&
      (!userId || e.userId === userId) &&
      (!groupId || e.groupId === groupId) &&
      (!roleId || e.roleId === roleId) &&
      (!projectId || e.projectId === projectId),
  );

  const base = state.endpoints.identity;
  return json(200, {
    role_assignments: entities.map((e) => format(state, e, includeNames, base)),
    links: {
      self: `${base}/role_assignments${req.rawUrl.includes('?') ? req.rawUrl.slice(req.rawUrl.indexOf('?')) : ''}`,
      previous: null,
      next: null,
    },
  });
}

function format(state: CloudState, e: Entity, includeNames: boolean, base: string): unknown {
  const domain = { id: state.seed.domain.id, name: state.seed.domain.name };
  const links: Record<string, string> = {};
  const out: Record<string, unknown> = { links };
  const project = findProject(state, e.projectId);
  out['scope'] = {
    project: includeNames ? { id: e.projectId, name: project?.name ?? '', domain } : { id: e.projectId },
  };
  let link = `/projects/${e.projectId}`;
  if (e.userId !== undefined) {
    out['user'] = includeNames
      ? { id: e.userId, name: findUser(state, e.userId)?.name ?? '', domain }
      : { id: e.userId };
    if (e.indirect?.groupId !== undefined) {
      links['membership'] = `${base}/groups/${e.indirect.groupId}/users/${e.userId}`;
      link += `/groups/${e.indirect.groupId}`;
    } else {
      link += `/users/${e.userId}`;
    }
  } else if (e.groupId !== undefined) {
    const group = state.seed.groups.find((g) => g.id === e.groupId);
    out['group'] = includeNames ? { id: e.groupId, name: group?.name ?? '', domain } : { id: e.groupId };
    link += `/groups/${e.groupId}`;
  }
  out['role'] = includeNames ? { id: e.roleId, name: findRole(state, e.roleId)?.name ?? '' } : { id: e.roleId };
  if (e.indirect?.roleId !== undefined) {
    link += `/roles/${e.indirect.roleId}`;
    // Keystone's own naming, kept as is: /prior_role/<this role>/implies/<the assigned role>.
    links['prior_role'] = `${base}/prior_role/${e.roleId}/implies/${e.indirect.roleId}`;
  } else {
    link += `/roles/${e.roleId}`;
  }
  links['assignment'] = `${base}${link}`;
  return out;
}
