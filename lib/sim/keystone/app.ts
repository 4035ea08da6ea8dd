import { json, type HttpReply, type Reply, type SimRequest } from '../http.js';
import { validToken } from '../identity.js';
import type { CloudState } from '../state.js';
import { keystoneError, UNAUTHORIZED_MESSAGE } from './errors.js';
import { getProject, getUser, listGroupUsers, listProjects, listRoles, listUsers } from './resources.js';
import { listRoleAssignments } from './role-assignments.js';
import { issueTokenHandler, subjectTokenHandler } from './tokens.js';

/** Keystone's v3 version document (what `GET /v3` answers, without a token). */
function versionDoc(state: CloudState): unknown {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${state.endpoints.identity}/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

/** Keystone v3 as the sim serves it: faults first, then routing; everything but versions and POST tokens needs a token. */
export function keystoneHandler(state: CloudState) {
  return (req: SimRequest): Reply => {
    const f = state.faults.keystone;
    if (f.failNext > 0) {
      f.failNext--;
      return keystoneError(f.status, 'The server is currently unavailable. Please try again at a later time.');
    }
    return route(state, req);
  };
}

function route(state: CloudState, req: SimRequest): HttpReply {
  const { method, path } = req;
  if (path === '/' && method === 'GET') return json(300, { versions: { values: [versionDoc(state)] } });
  if (path === '/v3' && method === 'GET') return json(200, { version: versionDoc(state) });
  if (path === '/v3/auth/tokens' && method === 'POST') return issueTokenHandler(state, req);

  const caller = validToken(state, req.header('x-auth-token'));
  if (!caller) return keystoneError(401, UNAUTHORIZED_MESSAGE);

  if (path === '/v3/auth/tokens' && ['GET', 'HEAD', 'DELETE'].includes(method))
    return subjectTokenHandler(state, req, caller);
  if (method !== 'GET') return keystoneError(405, 'The method is not allowed for the requested URL.');
  if (path === '/v3/role_assignments') return listRoleAssignments(state, req, caller);
  if (path === '/v3/users') return listUsers(state, req, caller);
  if (path === '/v3/projects') return listProjects(state, req, caller);
  if (path === '/v3/roles') return listRoles(state, req);
  let m = /^\/v3\/users\/([^/]+)$/.exec(path);
  if (m) return getUser(state, decodeURIComponent(m[1]!), caller);
  m = /^\/v3\/projects\/([^/]+)$/.exec(path);
  if (m) return getProject(state, decodeURIComponent(m[1]!), caller);
  m = /^\/v3\/groups\/([^/]+)\/users$/.exec(path);
  if (m) return listGroupUsers(state, decodeURIComponent(m[1]!), caller);
  return keystoneError(404, 'The resource could not be found.');
}
