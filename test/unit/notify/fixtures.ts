import {
  ApiServerError,
  NotFoundError,
  type OpenStackSession,
  type ServiceRequest,
} from '../../../lib/openstack/index.js';
import type { Incident, TimelineEvent } from '../../../lib/incidents/schemas.js';
import type { InstanceRecord } from '../../../lib/evacuation/schemas.js';
import type { IncidentStore } from '../../../lib/incidents/store.js';

/** A Keystone user as /v3/users/{id} returns it (email is optional; default_project_id says nothing about membership). */
export interface FakeUser {
  name: string;
  email?: string;
  enabled?: boolean;
  default_project_id?: string;
}

export interface FakeKeystone {
  users: Record<string, FakeUser>;
  /** Direct assignments (user) and group assignments (expanded only with `effective`). */
  assignments: Array<{ project: string; role: string; user?: string; group?: string }>;
  groups?: Record<string, string[]>;
  /** Projects whose role assignments answer 503. */
  failProjects?: string[];
}

/**
 * An OpenStackSession whose `request` answers like Keystone v3 for role_assignments and users
 * (the JSON shapes of the real API, validated with the caller's schema like the real session).
 * Below the "real parts" line only for Keystone; everything else in these tests is real.
 */
export function fakeKeystoneSession(
  ks: FakeKeystone,
): OpenStackSession & { calls: Array<{ path: string; query?: ServiceRequest<unknown>['query'] }> } {
  const calls: Array<{ path: string; query?: ServiceRequest<unknown>['query'] }> = [];
  const roleIds = new Map<string, string>();
  const roleId = (name: string) => {
    if (!roleIds.has(name)) roleIds.set(name, `r-${roleIds.size + 1}`);
    return roleIds.get(name)!;
  };
  async function request<T>(req: ServiceRequest<T>) {
    calls.push({ path: req.path, query: req.query });
    if (req.service !== 'identity') throw new Error(`fake session: unexpected ${req.service} call ${req.path}`);
    let body: unknown;
    if (req.path === '/role_assignments') {
      const project = String(req.query?.['scope.project.id'] ?? '');
      if (ks.failProjects?.includes(project))
        throw new ApiServerError(503, `Request failed with status code 503: GET /v3/role_assignments`);
      const effective = req.query?.effective === true || req.query?.effective === 'true';
      const names = req.query?.include_names === true;
      const out: unknown[] = [];
      for (const a of ks.assignments.filter((x) => x.project === project)) {
        const role = { id: roleId(a.role), ...(names ? { name: a.role } : {}) };
        const scope = { project: { id: project } };
        if (a.user)
          out.push({
            role,
            scope,
            user: { id: a.user, ...(names ? { name: ks.users[a.user]?.name } : {}) },
            links: { assignment: 'x' },
          });
        if (a.group) {
          if (!effective) out.push({ role, scope, group: { id: a.group }, links: { assignment: 'x' } });
          else
            for (const u of ks.groups?.[a.group] ?? [])
              out.push({
                role,
                scope,
                user: { id: u, ...(names ? { name: ks.users[u]?.name } : {}) },
                links: { assignment: 'x', membership: 'y' },
              });
        }
      }
      body = { role_assignments: out, links: { self: 'x', next: null } };
    } else if (req.path.startsWith('/users/')) {
      const id = decodeURIComponent(req.path.slice('/users/'.length));
      const u = ks.users[id];
      if (!u) throw new NotFoundError(404, `Request failed with status code 404: GET /v3/users/${id}`);
      body = {
        user: {
          id,
          name: u.name,
          domain_id: 'default',
          enabled: u.enabled ?? true,
          ...(u.email !== undefined ? { email: u.email } : {}),
          ...(u.default_project_id ? { default_project_id: u.default_project_id } : {}),
          links: {},
        },
      };
    } else {
      throw new NotFoundError(404, `fake keystone: no ${req.path}`);
    }
    const data = req.schema ? req.schema.parse(body) : (body as T);
    return { status: 200, data, headers: {} };
  }
  return { request, endpoint: async () => 'http://keystone.test/v3', invalidate: () => undefined, calls };
}

/** A small cloud: two projects, members by direct and group assignment, traps for wrong lookups. */
export function sampleKeystone(): FakeKeystone {
  return {
    users: {
      'u-alice': { name: 'alice', email: 'Alice@Example.org', default_project_id: 'p-web' },
      'u-bob': { name: 'bob', email: 'bob@example.org' },
      'u-carol': { name: 'carol' }, // no email attribute at all
      'u-dave': { name: 'dave', email: 'dave@example.org', enabled: false },
      'u-erin': { name: 'erin', email: 'erin@example.org' }, // reader only
      'u-frank': { name: 'frank', email: 'frank@example.org' }, // via group
      // default_project_id points at p-web but she holds no role there: must NOT be told.
      'u-mallory': { name: 'mallory', email: 'mallory@example.org', default_project_id: 'p-web' },
      'u-nemo': { name: 'nemo' },
    },
    assignments: [
      { project: 'p-web', role: 'member', user: 'u-alice' },
      { project: 'p-web', role: 'admin', user: 'u-alice' },
      { project: 'p-web', role: 'member', user: 'u-bob' },
      { project: 'p-web', role: 'member', user: 'u-carol' },
      { project: 'p-web', role: 'member', user: 'u-dave' },
      { project: 'p-web', role: 'reader', user: 'u-erin' },
      { project: 'p-web', role: 'member', group: 'g-ops' },
      { project: 'p-db', role: 'member', user: 'u-nemo' },
    ],
    groups: { 'g-ops': ['u-frank', 'u-bob'] },
  };
}

const T0 = Date.parse('2025-03-04T14:05:00Z');
export const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

export function sampleIncident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-compute-1-20250304T140500Z',
    host: 'compute-1',
    status: 'resolved',
    reason: 'nova-compute down for 75 s (heartbeat stale)',
    requestedBy: 'monitor',
    detectedAt: at(0),
    createdAt: at(30),
    updatedAt: at(120),
    closedAt: at(120),
    dryRun: false,
    fence: {
      fenced: true,
      method: 'ipmi',
      target: 'ipmi admin@10.0.0.11:623',
      confirmedAt: at(38),
      attempts: 3,
      alreadyOff: false,
    },
    isolation: {
      serviceId: 'svc-1',
      forcedDownAt: at(39),
      disabledAt: at(40),
      disabledReason: 'freezer-dr inc-compute-1-20250304T140500Z: fenced 2025-03-04T14:05:38Z',
    },
    plan: { host: 'compute-1', items: [], skipped: [], plannedAt: at(42) },
    error: null,
    notifications: [],
    ...over,
  };
}

export function instance(id: string, over: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    incidentId: 'inc-compute-1-20250304T140500Z',
    instanceId: id,
    name: id.replace(/^i-/, ''),
    projectId: 'p-web',
    sourceHost: 'compute-1',
    targetHost: 'compute-2',
    outcome: 'evacuated',
    reason: null,
    requests: 1,
    migrationId: 1,
    startedAt: at(45),
    finishedAt: at(75),
    ...over,
  };
}

export function sampleEvents(): TimelineEvent[] {
  return [
    { at: at(30), step: 'detect', message: 'compute-1 down for 75 s (grace 30 s elapsed)', instanceId: null },
    { at: at(31), step: 'fence', message: 'powering off compute-1 via ipmi admin@10.0.0.11:623', instanceId: null },
    { at: at(38), step: 'fence', message: 'compute-1 confirmed powered off (ipmi, 3 status reads)', instanceId: null },
    { at: at(39), step: 'isolate', message: 'nova-compute on compute-1 forced down', instanceId: null },
    { at: at(40), step: 'isolate', message: 'nova-compute on compute-1 disabled', instanceId: null },
    { at: at(42), step: 'plan', message: '3 instances to evacuate, 1 skipped', instanceId: null },
    { at: at(45), step: 'evacuate', message: 'evacuate requested', instanceId: 'i-web-1' },
    { at: at(75), step: 'evacuate', message: 'ACTIVE on compute-2', instanceId: 'i-web-1' },
  ];
}

/** Put an incident with its instances and events into a store. */
export async function seed(
  store: IncidentStore,
  incident: Incident,
  instances: InstanceRecord[],
  events: TimelineEvent[],
): Promise<void> {
  await store.createIncident(incident);
  for (const i of instances) await store.putInstance(i);
  for (const e of events) await store.appendEvent(incident.id, e);
}
