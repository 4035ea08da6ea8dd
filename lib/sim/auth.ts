import { validToken } from './identity.js';
import { json, type HttpReply, type SimRequest } from './http.js';
import type { CloudState, TokenRec } from './state.js';

/**
 * What keystonemiddleware does in front of Nova and Glance: a valid, unexpired, project-scoped
 * X-Auth-Token or a 401 in keystonemiddleware's JSON with a WWW-Authenticate pointing at Keystone.
 */
export function authenticate(state: CloudState, req: SimRequest): TokenRec | undefined {
  const tok = validToken(state, req.header('x-auth-token'));
  return tok && tok.projectId !== null ? tok : undefined;
}

export function unauthorized(state: CloudState): HttpReply {
  return json(
    401,
    { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } },
    { 'WWW-Authenticate': `Keystone uri="${state.endpoints.identity.replace(/\/v3$/, '')}"` },
  );
}
