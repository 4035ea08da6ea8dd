import { newTokenId, newSecret } from './ids.js';
import type { SeedData } from './seed.js';
import type { CloudState, TokenRec } from './state.js';

/** Identity look-ups over the seed, shared by Keystone (issuing) and Nova/Glance (policy). */

type SeedUser = SeedData['users'][number];
type SeedProject = SeedData['projects'][number];
type SeedRole = SeedData['roles'][number];

export function findUser(state: CloudState, id: string): SeedUser | undefined {
  return state.seed.users.find((u) => u.id === id);
}

export function findUserByName(
  state: CloudState,
  name: string,
  domain: { id?: string | undefined; name?: string | undefined },
): SeedUser | undefined {
  if (!domainMatches(state, domain)) return undefined;
  return state.seed.users.find((u) => u.name === name);
}

export function findProject(state: CloudState, id: string): SeedProject | undefined {
  return state.seed.projects.find((p) => p.id === id);
}

export function findProjectByName(
  state: CloudState,
  name: string,
  domain: { id?: string | undefined; name?: string | undefined },
): SeedProject | undefined {
  if (!domainMatches(state, domain)) return undefined;
  return state.seed.projects.find((p) => p.name === name);
}

export function findRole(state: CloudState, id: string): SeedRole | undefined {
  return state.seed.roles.find((r) => r.id === id);
}

/** The sim has one domain; a reference to it by id or by name (Keystone matches names case-sensitively). */
function domainMatches(state: CloudState, domain: { id?: string | undefined; name?: string | undefined }): boolean {
  if (domain.id !== undefined) return domain.id === state.seed.domain.id;
  if (domain.name !== undefined) return domain.name === state.seed.domain.name;
  return false;
}

/** Roles implied by `roleId`, transitively (admin → member → reader), excluding itself. */
export function impliedRoles(state: CloudState, roleId: string): string[] {
  const out: string[] = [];
  const visit = (id: string): void => {
    for (const next of findRole(state, id)?.implies ?? []) {
      if (!out.includes(next) && next !== roleId) {
        out.push(next);
        visit(next);
      }
    }
  };
  visit(roleId);
  return out;
}

export function groupsOf(state: CloudState, userId: string): string[] {
  return state.seed.groups.filter((g) => g.userIds.includes(userId)).map((g) => g.id);
}

/** The roles a user holds on a project: direct, through groups, plus implied ones (what a token carries). */
export function effectiveRoleIds(state: CloudState, userId: string, projectId: string): string[] {
  const groups = groupsOf(state, userId);
  const direct = state.seed.assignments
    .filter(
      (a) =>
        a.projectId === projectId &&
        ((a.userId !== undefined && a.userId === userId) || (a.groupId !== undefined && groups.includes(a.groupId))),
    )
    .map((a) => a.roleId);
  const all = new Set<string>();
  for (const r of direct) {
    all.add(r);
    for (const i of impliedRoles(state, r)) all.add(i);
  }
  return [...all];
}

export function roleNames(state: CloudState, roleIds: readonly string[]): string[] {
  return roleIds.map((id) => findRole(state, id)?.name ?? id);
}

export function issueToken(
  state: CloudState,
  t: Omit<TokenRec, 'id' | 'issuedAt' | 'expiresAt' | 'auditId'>,
): TokenRec {
  const now = state.clock.now();
  const rec: TokenRec = {
    ...t,
    id: newTokenId(),
    issuedAt: now,
    expiresAt: now + state.opts.tokenTtlMs,
    auditId: newSecret(16).slice(0, 22),
  };
  state.tokens.set(rec.id, rec);
  return rec;
}

/** A known, unexpired token; anything else is no token at all (the API answers 401). */
export function validToken(state: CloudState, id: string | undefined): TokenRec | undefined {
  if (!id) return undefined;
  const tok = state.tokens.get(id);
  if (!tok) return undefined;
  if (state.clock.now() >= tok.expiresAt) {
    state.tokens.delete(id);
    return undefined;
  }
  // A user disabled after the token was issued loses it, as Keystone revokes on disable.
  if (findUser(state, tok.userId)?.enabled === false) return undefined;
  return tok;
}

/** The legacy "admin anywhere is cloud admin" policy that Nova and Keystone still default to. */
export function isAdminToken(state: CloudState, tok: TokenRec): boolean {
  return roleNames(state, tok.roleIds).includes('admin');
}
