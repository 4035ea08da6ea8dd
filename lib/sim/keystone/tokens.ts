import * as z from 'zod';
import { keystoneTime } from '../clock.js';
import { json, parseJson, empty, type HttpReply, type SimRequest } from '../http.js';
import {
  effectiveRoleIds,
  findProject,
  findProjectByName,
  findUser,
  findUserByName,
  impliedRoles,
  isAdminToken,
  issueToken,
  roleNames,
  validToken,
} from '../identity.js';
import type { CloudState, TokenRec } from '../state.js';
import { catalog } from './catalog.js';
import { forbidden, keystoneError, UNAUTHORIZED_MESSAGE } from './errors.js';

const DomainRef = z.object({ id: z.string().optional(), name: z.string().optional() });

/** POST /v3/auth/tokens body, as Keystone's JSON schema accepts it (only the parts the sim serves). */
const AuthRequestSchema = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).min(1),
      password: z
        .object({
          user: z.object({
            id: z.string().optional(),
            name: z.string().optional(),
            domain: DomainRef.optional(),
            password: z.string(),
          }),
        })
        .optional(),
      application_credential: z
        .object({
          id: z.string().optional(),
          name: z.string().optional(),
          secret: z.string(),
          user: z
            .object({ id: z.string().optional(), name: z.string().optional(), domain: DomainRef.optional() })
            .optional(),
        })
        .optional(),
      token: z.object({ id: z.string() }).optional(),
    }),
    scope: z
      .union([
        z.literal('unscoped'),
        z.object({
          project: z
            .object({ id: z.string().optional(), name: z.string().optional(), domain: DomainRef.optional() })
            .optional(),
          domain: DomainRef.optional(),
          system: z.record(z.string(), z.unknown()).optional(),
        }),
      ])
      .optional(),
  }),
});

type AuthRequest = z.infer<typeof AuthRequestSchema>;

const unauthorized = (): HttpReply => keystoneError(401, UNAUTHORIZED_MESSAGE);

// eslint-disable-next-line max-lines-per-function -- test double: Keystone’s token request validation, case by case as the API reference lists it
export function issueTokenHandler(state: CloudState, req: SimRequest): HttpReply {
  const parsed = AuthRequestSchema.safeParse(parseJson(req.body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'auth';
    return keystoneError(400, `Invalid input for field '${field}': ${issue?.message ?? 'invalid'}`);
  }
  const { identity, scope } = parsed.data.auth;
  for (const m of identity.methods) {
    if (!['password', 'application_credential', 'token'].includes(m))
      return keystoneError(401, 'Attempted to authenticate with an unsupported method.');
    if (identity[m as 'password' | 'application_credential' | 'token'] === undefined) {
      return keystoneError(
        400,
        `Expecting to find ${m} in identity - the server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
      );
    }
  }

  if (identity.methods.includes('application_credential')) return appCredentialAuth(state, req, parsed.data.auth);

  let userId: string;
  if (identity.methods.includes('password')) {
    const u = identity.password!.user;
    const user =
      u.id !== undefined
        ? findUser(state, u.id)
        : u.name !== undefined && u.domain
          ? findUserByName(state, u.name, u.domain)
          : undefined;
    if (u.id === undefined && u.name !== undefined && !u.domain)
      return keystoneError(
        400,
        'Expecting to find domain in user. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
      );
    if (!user || !user.enabled || user.password !== u.password) return unauthorized();
    userId = user.id;
  } else {
    const prior = validToken(state, identity.token!.id);
    if (!prior) return keystoneError(404, 'Failed to validate token');
    userId = prior.userId;
  }
  const user = findUser(state, userId)!;
  const methods = identity.methods.filter((m) => m === 'password' || m === 'token');

  let projectId: string | null = null;
  if (scope === undefined) {
    // No scope asked for: Keystone scopes to the default project when the user has a role there.
    if (user.defaultProjectId && effectiveRoleIds(state, userId, user.defaultProjectId).length > 0)
      projectId = user.defaultProjectId;
  } else if (scope !== 'unscoped') {
    if (scope.domain || scope.system)
      return keystoneError(401, 'The sim only issues project-scoped or unscoped tokens.');
    const p = scope.project;
    if (!p) return keystoneError(400, "Invalid input for field 'scope': a project is required");
    const project =
      p.id !== undefined
        ? findProject(state, p.id)
        : p.name !== undefined && p.domain
          ? findProjectByName(state, p.name, p.domain)
          : undefined;
    if (!project) return unauthorized();
    projectId = project.id;
  }
  const roleIds = projectId ? effectiveRoleIds(state, userId, projectId) : [];
  if (projectId && roleIds.length === 0)
    return keystoneError(401, `User ${userId} has no access to project ${projectId}`);
  const tok = issueToken(state, { userId, projectId, roleIds, methods });
  return json(201, tokenBody(state, tok, !req.query.has('nocatalog')), { 'X-Subject-Token': tok.id });
}

function appCredentialAuth(state: CloudState, req: SimRequest, auth: AuthRequest['auth']): HttpReply {
  if (auth.scope !== undefined) return keystoneError(401, 'Application credentials cannot request a scope.');
  const ac = auth.identity.application_credential!;
  const cred = state.seed.applicationCredentials.find((c) => {
    if (ac.id !== undefined) return c.id === ac.id;
    if (ac.name === undefined || !ac.user) return false;
    const owner =
      ac.user.id !== undefined
        ? findUser(state, ac.user.id)
        : ac.user.name !== undefined && ac.user.domain
          ? findUserByName(state, ac.user.name, ac.user.domain)
          : undefined;
    return c.name === ac.name && owner?.id === c.userId;
  });
  if (!cred || cred.secret !== ac.secret) return unauthorized();
  const user = findUser(state, cred.userId);
  if (!user?.enabled) return unauthorized();
  // The credential carries a subset of the owner's roles, re-checked at every authentication.
  const owned = effectiveRoleIds(state, cred.userId, cred.projectId);
  const roleIds = [...new Set(cred.roleIds.flatMap((r) => [r, ...impliedRoles(state, r)]))].filter((r) =>
    owned.includes(r),
  );
  if (roleIds.length === 0) return unauthorized();
  const tok = issueToken(state, {
    userId: cred.userId,
    projectId: cred.projectId,
    roleIds,
    methods: ['application_credential'],
    applicationCredentialId: cred.id,
  });
  return json(201, tokenBody(state, tok, !req.query.has('nocatalog')), { 'X-Subject-Token': tok.id });
}

export function tokenBody(state: CloudState, tok: TokenRec, withCatalog: boolean): unknown {
  const user = findUser(state, tok.userId)!;
  const domain = { id: state.seed.domain.id, name: state.seed.domain.name };
  const token: Record<string, unknown> = {
    methods: tok.methods,
    user: { domain, id: user.id, name: user.name, password_expires_at: null },
    audit_ids: [tok.auditId],
    expires_at: keystoneTime(tok.expiresAt),
    issued_at: keystoneTime(tok.issuedAt),
  };
  if (tok.projectId) {
    const project = findProject(state, tok.projectId)!;
    token['is_domain'] = false;
    token['project'] = { domain, id: project.id, name: project.name };
    token['roles'] = tok.roleIds.map((id, i) => ({ id, name: roleNames(state, tok.roleIds)[i] }));
    if (withCatalog) token['catalog'] = catalog(state);
  }
  if (tok.applicationCredentialId) {
    const cred = state.seed.applicationCredentials.find((c) => c.id === tok.applicationCredentialId);
    token['application_credential'] = { id: tok.applicationCredentialId, name: cred?.name ?? '', restricted: true };
  }
  return { token };
}

/** GET/HEAD /v3/auth/tokens: validate X-Subject-Token on behalf of X-Auth-Token. DELETE revokes it. */
export function subjectTokenHandler(state: CloudState, req: SimRequest, caller: TokenRec): HttpReply {
  const subjectId = req.header('x-subject-token');
  const subject = validToken(state, subjectId);
  if (caller.id !== subjectId && !isAdminToken(state, caller)) {
    return forbidden(req.method === 'DELETE' ? 'identity:revoke_token' : 'identity:validate_token');
  }
  if (!subject) return keystoneError(404, 'Failed to validate token');
  if (req.method === 'DELETE') {
    state.tokens.delete(subject.id);
    return empty(204);
  }
  return json(200, tokenBody(state, subject, !req.query.has('nocatalog')), { 'X-Subject-Token': subject.id });
}
