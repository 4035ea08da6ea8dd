import { RefusedError, UserInputError } from '../errors.js';
import { newInstanceRecord, type InstanceRecord, type Plan, type PlanItem } from '../evacuation/index.js';
import {
  IncidentExistsError,
  IncidentNotFoundError,
  TERMINAL_STATUSES,
  type Incident,
  type IncidentStatus,
} from '../incidents/index.js';
import { IncidentClosedError } from './errors.js';
import { executionLiveness } from './lease.js';
import { recoveryOutcome } from './outcome.js';
import { recordEvent, type EventContext, type Runtime } from './runtime.js';
import { parseExecutionInput } from './front-door.js';
import type { ExecutionInput } from './schemas.js';
import { computePlan } from './steps/plan.js';

/**
 * What an operator does to an incident after the fact: close a stuck one, or retry what it left
 * unsettled. Both refuse while an execution of it is live (S4: one runner per incident), and
 * both leave every record in place — the timeline says who did what, when and why.
 */

/** Outcomes an instance keeps once it has them, and that a retry leaves alone. */
const SETTLED = new Set<InstanceRecord['outcome']>(['evacuated', 'skipped']);
/** Outcomes a retry sends back through the evacuate round (which asks Nova first: S5). */
const RETRYABLE = new Set<InstanceRecord['outcome']>(['failed', 'timeout']);

async function mustGet(rt: EventContext, id: string): Promise<Incident> {
  const incident = await rt.store.getIncident(id);
  if (!incident) throw new IncidentNotFoundError(id);
  return incident;
}

async function refuseWhileLive(rt: EventContext, incident: Incident, verb: string): Promise<void> {
  const liveness = await executionLiveness(rt.store, incident.id, rt.now());
  if (liveness.live)
    throw new RefusedError(`incident ${incident.id} is still being worked on (${liveness.detail}); nothing was done`, {
      hint: `follow it with: freezer-dr incidents watch ${incident.id} — ${verb} it once it has stopped`,
    });
}

/** The terminal status a closed incident gets: the recovery's own outcome when every instance had one. */
function closingStatus(incident: Incident, instances: InstanceRecord[]): IncidentStatus {
  const planned = incident.plan?.items.map((i) => instances.find((r) => r.instanceId === i.id)) ?? [];
  const allSettled =
    incident.plan !== null && planned.every((r) => r && r.outcome !== 'pending' && r.outcome !== 'evacuating');
  if (allSettled) return recoveryOutcome(planned.filter((r): r is InstanceRecord => r !== undefined));
  return incident.fence ? 'failed' : 'fence-failed';
}

export interface CloseRequest {
  reason: string;
  /** The operator, as `operatorName()` gives it. */
  by: string;
}

/**
 * Close an open incident an execution no longer works on: it gets a terminal status (its
 * outcome if every instance had one, else `failed`, or `fence-failed` when no power-off was ever
 * confirmed), the operator's name and reason go into its error and timeline, and the host's S4
 * lock is released so the host can be recovered again. Instances stay as recorded.
 */
export async function closeIncident(rt: EventContext, id: string, req: CloseRequest): Promise<Incident> {
  const incident = await mustGet(rt, id);
  if (TERMINAL_STATUSES.has(incident.status)) throw new IncidentClosedError(incident.id, incident.status);
  await refuseWhileLive(rt, incident, 'close');
  const instances = await rt.store.listInstances(id);
  const status = closingStatus(incident, instances);
  const open = instances.filter((r) => r.outcome === 'pending' || r.outcome === 'evacuating').length;
  const message = `closed by operator:${req.by}: ${req.reason} (it was ${incident.status}${open ? `; ${open} instance(s) left unsettled` : ''})`;
  await recordEvent(rt, id, 'done', message);
  const closed = await rt.store.updateIncident(id, {
    status,
    closedAt: rt.now().toISOString(),
    error: { name: 'ClosedByOperator', message },
  });
  await rt.store.putSetting(`execution:${id}`, undefined); // a dead process's lease goes with it
  return closed;
}

export type RetryPlan =
  | { kind: 'nothing'; incident: Incident; why: string }
  | { kind: 'run'; incident: Incident; input: ExecutionInput; again: InstanceRecord[]; added: PlanItem[] };

/** The stored plan with what Nova shows on the host now: instances evacuable now are added. */
async function replan(rt: Runtime, plan: Plan): Promise<{ plan: Plan; added: PlanItem[] }> {
  const now = await computePlan(rt, plan.host);
  const known = new Set(plan.items.map((i) => i.id));
  const added = now.items.filter((i) => !known.has(i.id));
  const addedIds = new Set(added.map((i) => i.id));
  return {
    plan: { ...plan, items: [...plan.items, ...added], skipped: plan.skipped.filter((s) => !addedIds.has(s.id)) },
    added,
  };
}

/**
 * Get an incident ready to run again: re-plan (the host's instances as Nova shows them now) and
 * put every instance that ended failed or timed out back to pending, so the evacuate round takes
 * it up again — and that round reads Nova before each request, so an instance Nova already moved
 * is recorded as evacuated and never sent a second evacuate (S5). Only for an incident whose
 * power-off was confirmed (S1); a closed one is reopened (S4's lock taken again).
 */
export async function prepareRetry(rt: Runtime, id: string, by: string): Promise<RetryPlan> {
  const incident = await mustGet(rt, id);
  if (incident.dryRun) throw new UserInputError(`incident ${id} is a dry run: there is nothing to retry`);
  await refuseWhileLive(rt, incident, 'retry');
  if (!incident.fence?.fenced)
    throw new RefusedError(`incident ${id} has no confirmed power-off of ${incident.host}: nothing is evacuated (S1)`, {
      hint: `check its BMC (freezer-dr fence status --host ${incident.host}); then close it (freezer-dr incidents close ${id} --reason "…") and run freezer-dr recover --host ${incident.host}`,
    });
  const other = await rt.store.findOpenIncident(incident.host);
  if (other && other.id !== id) throw new IncidentExistsError(other);
  const records = await rt.store.listInstances(id);
  let plan = incident.plan;
  let added: PlanItem[] = [];
  if (plan) ({ plan, added } = await replan(rt, plan));
  const again = records.filter((r) => RETRYABLE.has(r.outcome) && plan?.items.some((i) => i.id === r.instanceId));
  const stillOpen = records.some((r) => !SETTLED.has(r.outcome) && !RETRYABLE.has(r.outcome));
  if (TERMINAL_STATUSES.has(incident.status) && again.length === 0 && added.length === 0 && !stillOpen)
    return { kind: 'nothing', incident, why: `every instance of ${id} is settled (${incident.status})` };

  for (const rec of again)
    await rt.store.putInstance({ ...newInstanceRecord(id, rec.sourceHost, { ...rec, id: rec.instanceId }) });
  for (const item of added) await rt.store.putInstance(newInstanceRecord(id, incident.host, item));
  const status: IncidentStatus = !incident.isolation ? 'fenced' : plan ? 'evacuating' : 'isolated';
  const reopened = await rt.store.updateIncident(id, { status, closedAt: null, error: null, plan });
  const names = [...again.map((r) => r.name), ...added.map((i) => `${i.name} (new)`)];
  await recordEvent(
    rt,
    id,
    'plan',
    `retry requested by operator:${by} (it was ${incident.status}): ${names.length ? `evacuating again ${names.join(', ')}` : 'resuming where it stopped'}`,
  );
  const input = parseExecutionInput({
    incidentId: id,
    host: incident.host,
    reason: incident.reason,
    detectedAt: incident.detectedAt,
    requestedBy: `operator:${by}`,
    dryRun: false,
    // The Fence step finds the recorded power-off and does not fence again.
    fence: 'bmc',
  });
  return { kind: 'run', incident: reopened, input, again, added };
}
