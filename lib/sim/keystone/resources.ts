import { json, type HttpReply, type SimRequest } from '../http.js';
import { findProject, findUser, isAdminToken } from '../identity.js';
import type { CloudState, TokenRec } from '../state.js';
import { forbidden, keystoneError } from './errors.js';

/** Users, projects, roles and group members: the read-only identity API the notifier needs. */

function userView(state: CloudState, id: string): unknown {
  const u = findUser(state, id)!;
  const view: Record<string, unknown> = {
    id: u.id,
    name: u.name,
    domain_id: state.seed.domain.id,
    enabled: u.enabled,
    password_expires_at: null,
    options: {},
    links: { self: `${state.endpoints.identity}/users/${u.id}` },
  };
  // Extra attributes exist only when set: a user without email has no `email` key at all.
  if (u.email !== undefined) view['email'] = u.email;
  if (u.defaultProjectId !== undefined) view['default_project_id'] = u.defaultProjectId;
  return view;
}

function projectView(state: CloudState, id: string): unknown {
  const p = findProject(state, id)!;
  return {
    id: p.id,
    name: p.name,
    domain_id: state.seed.domain.id,
    description: p.description,
    enabled: true,
    parent_id: state.seed.domain.id,
    is_domain: false,
    tags: [],
    options: {},
    links: { self: `${state.endpoints.identity}/projects/${p.id}` },
  };
}

function collectionLinks(state: CloudState, req: SimRequest): unknown {
  return { self: `${state.endpoints.identity.replace(/\/v3$/, '')}${req.rawUrl}`, previous: null, next: null };
}

export function getUser(state: CloudState, id: string, caller: TokenRec): HttpReply {
  if (!isAdminToken(state, caller) && caller.userId !== id) return forbidden('identity:get_user');
  if (!findUser(state, id)) return keystoneError(404, `Could not find user: ${id}.`);
  return json(200, { user: userView(state, id) });
}

export function listUsers(state: CloudState, req: SimRequest, caller: TokenRec): HttpReply {
  if (!isAdminToken(state, caller)) return forbidden('identity:list_users');
  const name = req.query.get('name');
  const enabled = req.query.get('enabled');
  const users = state.seed.users.filter(
    (u) => (name === null || u.name === name) && (enabled === null || String(u.enabled) === enabled.toLowerCase()),
  );
  return json(200, { users: users.map((u) => userView(state, u.id)), links: collectionLinks(state, req) });
}

export function getProject(state: CloudState, id: string, caller: TokenRec): HttpReply {
  if (!isAdminToken(state, caller) && caller.projectId !== id) return forbidden('identity:get_project');
  if (!findProject(state, id)) return keystoneError(404, `Could not find project: ${id}.`);
  return json(200, { project: projectView(state, id) });
}

export function listProjects(state: CloudState, req: SimRequest, caller: TokenRec): HttpReply {
  if (!isAdminToken(state, caller)) return forbidden('identity:list_projects');
  const name = req.query.get('name');
  const projects = state.seed.projects.filter((p) => name === null || p.name === name);
  return json(200, { projects: projects.map((p) => projectView(state, p.id)), links: collectionLinks(state, req) });
}

export function listRoles(state: CloudState, req: SimRequest): HttpReply {
  const base = state.endpoints.identity;
  return json(200, {
    roles: state.seed.roles.map((r) => ({
      id: r.id,
      name: r.name,
      domain_id: null,
      description: null,
      options: {},
      links: { self: `${base}/roles/${r.id}` },
    })),
    links: collectionLinks(state, req),
  });
}

export function listGroupUsers(state: CloudState, groupId: string, caller: TokenRec): HttpReply {
  if (!isAdminToken(state, caller)) return forbidden('identity:list_users_in_group');
  const group = state.seed.groups.find((g) => g.id === groupId);
  if (!group) return keystoneError(404, `Could not find group: ${groupId}.`);
  return json(200, {
    users: group.userIds.map((id) => userView(state, id)),
    links: { self: `${state.endpoints.identity}/groups/${groupId}/users`, previous: null, next: null },
  });
}
