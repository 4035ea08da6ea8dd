import * as z from 'zod';
import type { ResolvedCloud } from '../../config/index.js';
import type { HttpClient } from '../http.js';
import { UnexpectedResponseError } from '../errors.js';

const EndpointSchema = z.object({
  interface: z.string(),
  region: z.string().nullish(),
  region_id: z.string().nullish(),
  url: z.string(),
});
const CatalogEntrySchema = z.object({
  type: z.string(),
  name: z.string().optional(),
  endpoints: z.array(EndpointSchema),
});
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

const TokenBodySchema = z.object({
  token: z.object({
    expires_at: z.string(),
    catalog: z.array(CatalogEntrySchema).default([]),
    user: z.object({ id: z.string(), name: z.string().optional() }),
    project: z.object({ id: z.string(), name: z.string().optional() }).optional(),
  }),
});

export interface Token {
  value: string;
  expiresAt: Date;
  catalog: CatalogEntry[];
  userId: string;
  projectId?: string;
}

type PasswordAuth = Extract<ResolvedCloud['auth'], { type: 'password' }>;

/** A domain by id when we have one, else by name ("Default" when neither is configured). */
const domainRef = (id?: string, name?: string) => (id ? { id } : { name: name ?? 'Default' });

/**
 * Keystone v3 identifies a user or a project either by id alone, or by name within a domain (a
 * name is only unique inside its domain). Ids win when both are configured.
 */
function passwordIdentity(a: PasswordAuth) {
  const user = a.userId
    ? { id: a.userId, password: a.password }
    : { name: a.username, domain: domainRef(a.userDomainId, a.userDomainName), password: a.password };
  return { methods: ['password'], password: { user } };
}

function projectScope(a: PasswordAuth) {
  return {
    project: a.projectId
      ? { id: a.projectId }
      : { name: a.projectName, domain: domainRef(a.projectDomainId, a.projectDomainName) },
  };
}

/** POST /v3/auth/tokens with a password (project-scoped) or an application credential. */
export async function issueToken(http: HttpClient, cloud: ResolvedCloud, signal?: AbortSignal): Promise<Token> {
  const a = cloud.auth;
  const identity =
    a.type === 'password'
      ? passwordIdentity(a)
      : {
          methods: ['application_credential'],
          application_credential: { id: a.applicationCredentialId, secret: a.applicationCredentialSecret },
        };
  // An application credential is already bound to its project: no scope may be asked for.
  const scope = a.type === 'password' ? projectScope(a) : undefined;
  const res = await http({
    method: 'POST',
    url: `${cloud.authUrl.replace(/\/+$/, '')}/auth/tokens`,
    body: { auth: { identity, ...(scope ? { scope } : {}) } },
    schema: TokenBodySchema,
    // A token request changes nothing, so repeating it after a network error is safe.
    idempotent: true,
    signal,
  });
  const value = res.headers['x-subject-token'];
  if (!value) throw new UnexpectedResponseError('POST /v3/auth/tokens answered without an X-Subject-Token header');
  const expiresAt = new Date(res.data.token.expires_at);
  if (Number.isNaN(expiresAt.getTime()))
    throw new UnexpectedResponseError('POST /v3/auth/tokens answered an unreadable expires_at');
  return {
    value,
    expiresAt,
    catalog: res.data.token.catalog,
    userId: res.data.token.user.id,
    projectId: res.data.token.project?.id,
  };
}
