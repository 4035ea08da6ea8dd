import type { NotificationConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import { limiter } from '../async/index.js';
import { redactText } from '../log/index.js';
import { getProject, getUser, listProjectMembers, type OpenStackSession, type User } from '../openstack/index.js';
import { KEYSTONE_CONCURRENCY } from './constants.js';

/** Who hears about one project's instances, and why. */
export interface ProjectAudience {
  projectId: string;
  /** The project's name from Keystone; the id when it cannot be read. */
  projectName: string;
  /** Final envelope recipients, deduplicated case-insensitively. */
  recipients: string[];
  /** Members found through role assignments (after the role filter). */
  members: number;
  /** Members dropped by `memberRoles`. */
  filteredOut: number;
  /** Members without an email address in Keystone (or disabled): skipped. */
  withoutEmail: number;
  /** From `projectRecipients`. */
  extra: string[];
  /** True when nobody in the project was reachable and the mail goes to the admins instead. */
  fallback: boolean;
  /** Keystone could not be asked (the reason, log-safe). */
  lookupError: string | null;
  /** Admins dropped from the members (they get the summary; `adminsGetProjectMails` keeps them). */
  adminsDropped: number;
}

/**
 * Recipients per affected project: members from effective role assignments (never
 * `default_project_id`), filtered by `memberRoles`, their Keystone emails, plus the configured
 * project recipients; the admins when that leaves nobody. Never throws: a Keystone failure
 * means "fall back to the admins" and is reported.
 */
export async function resolveProjectAudiences(
  session: OpenStackSession,
  config: Pick<NotificationConfig, 'admins' | 'memberRoles' | 'projectRecipients'> &
    Partial<Pick<NotificationConfig, 'adminsGetProjectMails'>>,
  projectIds: readonly string[],
  signal?: AbortSignal,
): Promise<ProjectAudience[]> {
  const users = new Map<string, Promise<User | null>>();
  const limit = limiter(KEYSTONE_CONCURRENCY);
  const userById = (id: string) => {
    let p = users.get(id);
    if (!p) {
      p = limit(() => getUser(session, id, signal)).catch(() => null);
      users.set(id, p);
    }
    return p;
  };
  const roles = new Set(config.memberRoles.map((r) => r.toLowerCase()));

  return Promise.all(
    projectIds.map(async (projectId): Promise<ProjectAudience> => {
      const extra = Object.hasOwn(config.projectRecipients, projectId)
        ? (config.projectRecipients[projectId] ?? [])
        : [];
      let members = 0;
      let filteredOut = 0;
      let withoutEmail = 0;
      let lookupError: string | null = null;
      const found: string[] = [];
      try {
        const all = await limit(() => listProjectMembers(session, projectId, signal));
        const kept = roles.size === 0 ? all : all.filter((m) => m.roles.some((r) => roles.has(r.toLowerCase())));
        filteredOut = all.length - kept.length;
        members = kept.length;
        for (const user of await Promise.all(kept.map((m) => userById(m.userId)))) {
          if (user && user.enabled && user.email && user.email.includes('@')) found.push(user.email.trim());
          else withoutEmail++;
        }
      } catch (err) {
        lookupError = redactText(errorMessage(err));
      }
      const { reachable, adminsDropped } = withoutAdmins(found, config);
      let recipients = dedupe([...reachable, ...extra]);
      // Nobody reachable at all: the admins get the project's mail to pass on. Only admins among
      // the members: they already know from the summary, and the project mail is not sent.
      const fallback = recipients.length === 0 && adminsDropped === 0;
      if (fallback) recipients = dedupe(config.admins);
      const projectName = await limit(() => getProject(session, projectId, signal))
        .then((p) => p.name)
        .catch(() => projectId);
      const counts = { members, filteredOut, withoutEmail, adminsDropped };
      return { projectId, projectName, recipients, ...counts, extra, fallback, lookupError };
    }),
  );
}

/** An admin who is also a member hears through the summary, not once more per project (unless configured). */
function withoutAdmins(
  found: readonly string[],
  config: Pick<NotificationConfig, 'admins'> & Partial<Pick<NotificationConfig, 'adminsGetProjectMails'>>,
): { reachable: string[]; adminsDropped: number } {
  if (config.adminsGetProjectMails) return { reachable: [...found], adminsDropped: 0 };
  const admins = new Set(config.admins.map((a) => a.trim().toLowerCase()));
  const reachable = found.filter((a) => !admins.has(a.trim().toLowerCase()));
  return { reachable, adminsDropped: dedupe(found).length - dedupe(reachable).length };
}

/** Project id → name from Keystone, for the admin pages; an id whose name cannot be read is left out. */
export async function projectNames(
  session: OpenStackSession,
  projectIds: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const limit = limiter(KEYSTONE_CONCURRENCY);
  const pairs = await Promise.all(
    projectIds.map((id) =>
      limit(() => getProject(session, id, signal))
        .then((p) => [id, p.name] as const)
        .catch(() => null),
    ),
  );
  return new Map(pairs.filter((p) => p !== null));
}

/** Case-insensitive de-duplication that keeps the first spelling and the order. */
export function dedupe(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const a of addresses) {
    const key = a.trim().toLowerCase();
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push(a.trim());
  }
  return out;
}
