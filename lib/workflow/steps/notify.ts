import type * as z from 'zod';
import type { IncidentStatus } from '../../incidents/index.js';
import { notifyIncident } from '../../notify/index.js';
import { recordNotifications, recordRecovery } from '../../metrics/index.js';
import { recordEvent, type Runtime } from '../runtime.js';
import { recoveryOutcome, stoppedOutcome, type RecoveryOutcome } from '../outcome.js';
import { publishRecoveryClosed } from '../events.js';
import type { NotifyStepInputSchema } from '../schemas.js';
import { recordHeadroom } from '../capacity.js';

const TERMINAL_OUTCOMES: ReadonlySet<IncidentStatus> = new Set([
  'resolved',
  'partial',
  'failed',
  'timed-out',
  'fence-failed',
]);

type Input = z.infer<typeof NotifyStepInputSchema>;

/** Outcomes after which the room left in the cloud is measured (instances moved, or should have). */
const HEADROOM_AFTER: ReadonlySet<IncidentStatus> = new Set(['resolved', 'partial', 'failed', 'timed-out']);

/**
 * Close the incident with its true outcome, then tell people. The outcome is recorded first,
 * so a notification failure can never leave an incident open or report success for an
 * instance that did not reach ACTIVE on another host. Delivery failures are recorded, not thrown.
 * The returned `status` is what the ASL's Outcome choice reads to end the execution.
 */
export async function notifyStep(
  rt: Runtime,
  input: Input,
): Promise<{ status: IncidentStatus; delivered: number; failed: number }> {
  // A retried Notify (the Lambda failed after closing) closes the same incident again: count and
  // announce the recovery once.
  const closedBefore = TERMINAL_OUTCOMES.has((await rt.store.getIncident(input.incidentId))?.status ?? 'open');
  const status = await closeIncident(rt, input);
  if (!closedBefore && HEADROOM_AFTER.has(status)) await recordHeadroom(rt, input.incidentId);
  const records = await notifyIncident(
    { config: rt.config.notification, session: rt.session, store: rt.store, log: rt.log, now: rt.now },
    input.incidentId,
  );
  const incident = await rt.store.getIncident(input.incidentId);
  const instances = await rt.store.listInstances(input.incidentId);
  if (incident && !closedBefore) recordRecovery(status, incident.detectedAt, instances, rt.now().toISOString());
  recordNotifications(records);
  if (TERMINAL_OUTCOMES.has(status) && !closedBefore)
    await publishRecoveryClosed(
      rt,
      { incidentId: input.incidentId, host: input.host },
      status as RecoveryOutcome,
      instances,
      incident?.error?.name ?? input.failure?.Error ?? null,
    );
  const delivered = records.filter((r) => r.ok).length;
  const failed = records.length - delivered;
  await recordEvent(
    rt,
    input.incidentId,
    'notify',
    `notifications: ${delivered} delivered${failed ? `, ${failed} FAILED` : ''}`,
  );
  await recordEvent(rt, input.incidentId, 'done', `incident ${input.incidentId} closed: ${status}`);
  return { status, delivered, failed };
}

async function closeIncident(rt: Runtime, input: Input): Promise<IncidentStatus> {
  const incident = await rt.store.getIncident(input.incidentId);
  if (!incident) throw new Error(`incident ${input.incidentId} is missing from the store`);
  if (input.failure) {
    const fenceFailed = !incident.fence;
    const status: IncidentStatus = stoppedOutcome(!fenceFailed, input.failure.Error);
    const cause = parseCause(input.failure.Cause);
    await rt.store.updateIncident(input.incidentId, {
      status: 'notifying',
      error: incident.error ?? { name: input.failure.Error, message: cause },
    });
    await recordEvent(
      rt,
      input.incidentId,
      'error',
      fenceFailed
        ? `${incident.host} NOT confirmed powered off (${input.failure.Error}): nothing was evacuated`
        : `recovery stopped: ${input.failure.Error}: ${cause}`,
    );
    await markUnfinished(
      rt,
      input.incidentId,
      `recovery stopped before this instance was handled (${input.failure.Error})`,
    );
    await rt.store.updateIncident(input.incidentId, { status });
    return status;
  }
  // Map iterations that ended in an error never reached `finish`: record them as failed.
  for (const r of input.evacuations ?? []) {
    if ('error' in r) {
      const rec = await rt.store.getInstance(input.incidentId, r.instanceId);
      if (rec && (rec.outcome === 'pending' || rec.outcome === 'evacuating')) {
        await rt.store.putInstance({
          ...rec,
          outcome: 'failed',
          reason: `${r.error.Error}: ${parseCause(r.error.Cause)}`,
          finishedAt: rt.now().toISOString(),
        });
      }
    }
  }
  await markUnfinished(rt, input.incidentId, 'no result came back from the evacuation step');
  // The ASL's Outcome choice turns this status into the execution's end state (Succeed only for
  // `resolved`), so the execution, `incidents` and the admin summary all say the same thing.
  const status: IncidentStatus = recoveryOutcome(await rt.store.listInstances(input.incidentId));
  await rt.store.updateIncident(input.incidentId, { status });
  return status;
}

async function markUnfinished(rt: Runtime, incidentId: string, reason: string): Promise<void> {
  for (const rec of await rt.store.listInstances(incidentId)) {
    if (rec.outcome === 'pending' || rec.outcome === 'evacuating') {
      await rt.store.putInstance({ ...rec, outcome: 'failed', reason, finishedAt: rt.now().toISOString() });
    }
  }
}

/** Step Functions hands the Cause over as the JSON of the Lambda error; show its message. */
function parseCause(cause: string | undefined): string {
  if (!cause) return 'no detail';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string; message?: string };
    return parsed.errorMessage ?? parsed.message ?? cause;
  } catch {
    return cause;
  }
}
