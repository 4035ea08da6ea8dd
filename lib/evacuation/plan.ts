import type { EvacuationConfig } from '../config/index.js';
import type { PlanItem, SkippedItem } from './schemas.js';
import type { Aggregate, Flavor, ImageMarks, Server } from '../openstack/index.js';
import { firstMarked, markOf, markPolicy, type MarkPolicy } from './marks.js';
import { firstMatchingGlob } from './glob.js';
import { STUCK_TASK_STATES } from './stuck.js';
import { hostDefaultGroup, instanceGroup, instancePriority } from './groups.js';

/** Nova evacuates only instances in these vm_states, and only ones that ever launched (DESIGN §6). */
const EVACUABLE_VM_STATES = new Set(['active', 'stopped', 'error']);

/** The parts of `evacuation` config the planner reads. */
export type PlanPolicy = Pick<EvacuationConfig, 'evacuable' | 'skip' | 'groups' | 'stuckTasks'>;

/** What the planner needs read from the cloud besides the host's servers (all optional for tests). */
export interface PlanInputs {
  /** Image id → properties and Glance tags, for the host's instances' images (absent: gone, or not read). */
  images?: ReadonlyMap<string, ImageMarks>;
  /** Every host aggregate, or why Nova could not list them. Undefined: not read (then the aggregate filter fails closed). */
  aggregates?: readonly Aggregate[] | { error: string };
  /** The cloud-wide population for `all-unless-any-tagged`: every flavor and every image. */
  cloud?: { flavors: readonly Flavor[]; images: readonly ImageMarks[] };
  /** Instances with an evacuation migration from this host that Nova is still working on. */
  evacuationsInFlight?: ReadonlySet<string>;
}

/** An instance the Plan step resets to ERROR (os-resetState) before it is evacuated. */
export interface ResetItem {
  id: string;
  name: string;
  taskState: string;
}

export interface PlanResult {
  /** In run order: group ascending, then priority descending, then name. */
  items: PlanItem[];
  skipped: SkippedItem[];
  /** Items whose stuck task is reset first (`evacuation.stuckTasks: reset`); each is also in `items`. */
  resets: ResetItem[];
  /** Set when nothing may be evacuated from this host (the aggregate filter, failing closed). */
  blocked: string | null;
  /** `all-unless-any-tagged` only: where the first mark in the cloud was found (null: nothing is marked). */
  markedSomewhere?: string | null;
}

interface Context {
  host: string;
  policy: PlanPolicy;
  marks: MarkPolicy;
  images: ReadonlyMap<string, ImageMarks>;
  hostAggregates: readonly Aggregate[];
  blocked: string | null;
  markedSomewhere: string | null | undefined;
  hostGroup: ReturnType<typeof hostDefaultGroup>;
  inFlight: ReadonlySet<string>;
}

type Verdict = { skip: string } | { item: PlanItem; reset: string | null };

/**
 * Which instances of a failed host to evacuate, in what order, and why the others are skipped.
 * Pure: the caller lists the servers (exact host match) and reads what `inputs` describes.
 */
export function planEvacuation(
  host: string,
  servers: Server[],
  policy: PlanPolicy,
  inputs: PlanInputs = {},
): PlanResult {
  const ctx = context(
    host,
    servers.filter((s) => s.host === host),
    policy,
    inputs,
  );
  const items: PlanItem[] = [];
  const skipped: SkippedItem[] = [];
  const resets: ResetItem[] = [];
  for (const s of servers) {
    if (s.host !== host) continue; // S3: never another host's instance, whatever the caller passed
    const v = judge(s, ctx);
    if ('skip' in v) skipped.push({ id: s.id, name: s.name, projectId: s.projectId, reason: v.skip });
    else {
      items.push(v.item);
      if (v.reset) resets.push({ id: s.id, name: s.name, taskState: v.reset });
    }
  }
  items.sort(
    (a, b) => a.group - b.group || b.priority - a.priority || a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
  );
  const result: PlanResult = { items, skipped, resets, blocked: ctx.blocked };
  if (policy.evacuable.mode === 'all-unless-any-tagged') result.markedSomewhere = ctx.markedSomewhere ?? null;
  return result;
}

function context(host: string, onHost: Server[], policy: PlanPolicy, inputs: PlanInputs): Context {
  const aggregates = Array.isArray(inputs.aggregates) ? (inputs.aggregates as readonly Aggregate[]) : null;
  const hostAggregates = (aggregates ?? []).filter((a) => a.hosts.includes(host));
  const images = inputs.images ?? new Map<string, ImageMarks>();
  const marks = markPolicy(policy.evacuable);
  const markedSomewhere =
    policy.evacuable.mode === 'all-unless-any-tagged'
      ? firstMarked(marks, {
          flavors: inputs.cloud?.flavors ?? [],
          images: inputs.cloud?.images ?? [...images.values()],
          aggregates: aggregates ?? [],
          servers: onHost,
        })
      : undefined;
  return {
    host,
    policy,
    marks,
    images,
    hostAggregates,
    blocked: aggregateFilterVerdict(host, policy.evacuable.aggregateFilter, inputs.aggregates, hostAggregates),
    markedSomewhere,
    hostGroup: hostDefaultGroup(host, hostAggregates, policy.groups),
    inFlight: inputs.evacuationsInFlight ?? new Set(),
  };
}

/** The aggregate filter fails closed: no proof the host is in a matching aggregate, nothing is evacuated. */
function aggregateFilterVerdict(
  host: string,
  filter: string | undefined,
  read: PlanInputs['aggregates'],
  hostAggregates: readonly Aggregate[],
): string | null {
  if (!filter) return null;
  const where = `evacuation.evacuable.aggregateFilter ${filter}`;
  if (read === undefined) return `${where}: the host aggregates were not read, so nothing is evacuated (fails closed)`;
  if (!Array.isArray(read))
    return `${where}: Nova's host aggregates could not be read (${(read as { error: string }).error}), so nothing is evacuated (fails closed)`;
  const i = filter.indexOf('=');
  const [key, value] = [filter.slice(0, i), filter.slice(i + 1)];
  if (hostAggregates.some((a) => a.metadata[key] === value)) return null;
  const names = hostAggregates.map((a) => a.name).join(', ') || 'none';
  return `${where}: ${host} is in no host aggregate with that metadata (its aggregates: ${names}), so nothing is evacuated (fails closed)`;
}

function judge(s: Server, ctx: Context): Verdict {
  if (!s.launchedAt) return { skip: `never launched (vm_state ${s.vmState})` };
  if (!EVACUABLE_VM_STATES.has(s.vmState)) return { skip: `vm_state ${s.vmState} cannot be evacuated` };
  const glob = firstMatchingGlob(s.name, ctx.policy.skip.names);
  if (glob) return { skip: `name matches evacuation.skip.names glob ${JSON.stringify(glob)}` };
  if (ctx.blocked) return { skip: ctx.blocked };
  const task = taskVerdict(s, ctx);
  if (task && 'skip' in task) return task;
  const unmarked = markVerdict(s, ctx);
  if (unmarked) return { skip: unmarked };
  const group = instanceGroup(s.metadata, ctx.hostGroup, ctx.policy.groups);
  if (!group.ok) return { skip: group.reason };
  const priority = instancePriority(s.metadata, ctx.policy.evacuable.priorityMetadataKey);
  if (!priority.ok) return { skip: priority.reason };
  const reset = task?.reset ?? null;
  return {
    item: {
      id: s.id,
      name: s.name,
      projectId: s.projectId,
      // After the reset Nova reads it as ERROR, which is what the evacuation will find.
      vmState: reset ? 'error' : s.vmState,
      priority: priority.value,
      group: group.value,
      volumeBacked: s.imageId === null,
    },
    reset,
  };
}

/** null: no task; `reset`: a stuck task to reset first; `skip`: why it is left alone. */
function taskVerdict(s: Server, ctx: Context): { skip: string } | { reset: string } | null {
  const t = s.taskState;
  if (!t) return null;
  const inProgress = `a task is in progress (${t})`;
  if (!STUCK_TASK_STATES.has(t))
    return { skip: ctx.policy.stuckTasks === 'reset' ? `${inProgress}; not a task freezer-dr resets` : inProgress };
  if (ctx.policy.stuckTasks === 'skip')
    return { skip: `${inProgress}, stuck since its host died; evacuation.stuckTasks: reset would recover it` };
  if (ctx.inFlight.has(s.id))
    return { skip: `${inProgress} and an evacuation migration of it is in flight: not reset (S5)` };
  return { reset: t };
}

function markVerdict(s: Server, ctx: Context): string | null {
  const mode = ctx.policy.evacuable.mode;
  if (mode === 'all') return null;
  if (mode === 'all-unless-any-tagged' && !ctx.markedSomewhere) return null;
  if (markOf(ctx.marks, s, ctx.images, ctx.hostAggregates)) return null;
  const looked = describeMarks(ctx.marks);
  return mode === 'tagged'
    ? `not marked evacuable (evacuation.evacuable.mode is "tagged"; looked for ${looked})`
    : `not marked evacuable (evacuation.evacuable.mode is "all-unless-any-tagged" and ${ctx.markedSomewhere} is marked; looked for ${looked})`;
}

function describeMarks(m: MarkPolicy): string {
  const parts: string[] = [];
  if (m.tag) parts.push(`${m.tag} on ${[...m.sources].join(', ')}`);
  if (m.legacy.flavor) parts.push(`flavor extra spec ${m.legacy.flavor.join('=')}`);
  if (m.legacy.image) parts.push(`image property ${m.legacy.image.join('=')}`);
  if (m.legacy.server) parts.push(`server metadata ${m.legacy.server.join('=')}`);
  return parts.join('; ');
}
