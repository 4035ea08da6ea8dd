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
}

/**
 * Recipients per affected project: members from effective role assignments (never
 * `default_project_id`), filtered by `memberRoles`, their Keystone emails, plus the configured
 * project recipients; the admins when that leaves nobody. Never throws: a Keystone failure
 * means "fall back to the admins" and is reported.
 */
export async function resolveProjectAudiences(
  session: OpenStackSession,
  config: Pick<NotificationConfig, 'admins' | 'memberRoles' | 'projectRecipients'>,
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
      let recipients = dedupe([...found, ...extra]);
      const fallback = recipients.length === 0;
      if (fallback) recipients = dedupe(config.admins);
      const projectName = await limit(() => getProject(session, projectId, signal))
        .then((p) => p.name)
        .catch(() => projectId);
      return { projectId, projectName, recipients, members, filteredOut, withoutEmail, extra, fallback, lookupError };
    }),
  );
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
