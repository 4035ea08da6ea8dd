import type * as z from 'zod';
import type { Incident, IncidentStatus, NotificationRecord } from '../../incidents/index.js';
import type { InstanceRecord } from '../../evacuation/index.js';
import type { Fencer, FenceResult } from '../../fencing/index.js';
import { errorMessage } from '../../errors.js';
import { overlayStore } from '../store-overlay.js';
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

/** The Fence step's error when its record could not be written (errors.ts FenceNotRecordedError). */
const FENCE_NOT_RECORDED = 'FenceNotRecordedError';
/** Outcomes after which the room left in the cloud is measured (instances moved, or should have). */
const HEADROOM_AFTER: ReadonlySet<IncidentStatus> = new Set(['resolved', 'partial', 'failed', 'timed-out']);

/**
 * Close the incident with its true outcome, then tell people. The outcome is recorded first,
 * so a notification failure can never leave an incident open or report success for an
 * instance that did not reach ACTIVE on another host. Delivery failures are recorded, not thrown.
 * The returned `status` is what the ASL's Outcome choice reads to end the execution.
 */
export async function notifyStep(
  rt0: Runtime,
  input: Input,
): Promise<{ status: IncidentStatus; delivered: number; failed: number; summary: string }> {
  // A store that cannot be written (full disk) must not cost the mails nor the truth: writes that
  // fail are kept in memory for this step, and the summary says the record is incomplete.
  const store = overlayStore(rt0.store);
  const rt: Runtime = { ...rt0, store };
  // A retried Notify (the Lambda failed after closing) closes the same incident again: count and
  // announce the recovery once.
  const closedBefore = TERMINAL_OUTCOMES.has((await rt.store.getIncident(input.incidentId))?.status ?? 'open');
  const status = await closeIncident(rt, input);
  if (!closedBefore && HEADROOM_AFTER.has(status)) await recordHeadroom(rt, input.incidentId);
  const records = await notifyIncident(
    {
      config: rt.config.notification,
      session: rt.session,
      store,
      log: rt.log,
      now: rt.now,
      storeProblem: () => store.writeErrors[0] ?? null,
    },
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
  const summary = executionSummary(status, incident, instances, records, store.writeErrors);
  if (store.writeErrors.length)
    rt.log.error('the incident store could not be written: the outcome is only in the mails and the output', {
      errors: store.writeErrors.slice(0, 3),
    });
  return { status, delivered, failed, summary };
}

/**
 * What the execution ends with (the Fail state's Cause): the outcome, whether the admins were
 * really told, and whether the store holds the record. "The admins were told" only when a
 * message to them was delivered.
 */
function executionSummary(
  status: IncidentStatus,
  incident: Incident | undefined,
  instances: readonly InstanceRecord[],
  records: readonly NotificationRecord[],
  writeErrors: readonly string[],
): string {
  const host = incident?.host ?? 'the host';
  const evacuable = instances.filter((i) => i.outcome !== 'skipped');
  const evacuated = evacuable.filter((i) => i.outcome === 'evacuated').length;
  const error = incident?.error ? `${incident.error.name}: ${incident.error.message}` : null;
  const head =
    status === 'fence-failed'
      ? `${host} was NOT confirmed powered off; nothing was evacuated (S1)${error ? ` (${error})` : ''}`
      : error && status !== 'partial'
        ? `recovery of ${host} stopped (${evacuated}/${evacuable.length} evacuated): ${error}`
        : `recovery of ${host} ${status}: ${evacuated}/${evacuable.length} evacuated`;
  const admin = records.filter((r) => r.kind === 'admin');
  const told = admin.some((r) => r.ok)
    ? 'the admins were told'
    : `could not tell the admins: ${admin.find((r) => !r.ok)?.detail ?? (records.length ? 'no message to them was sent' : 'no notification channel is configured')}`;
  const stored = writeErrors.length
    ? ` The incident store could not be written (${writeErrors[0]}): this output and the mails hold what the store lacks.`
    : '';
  return `${head}; ${told}.${stored}`;
}

/**
 * After a fence whose record could not be written, the host's power is read again before
 * anything is reported: a host that reads off is recorded (and reported) as off, not as "NOT
 * confirmed". A reading that fails leaves the fence unconfirmed and says why.
 */
async function rereadPower(rt: Runtime, host: string): Promise<{ fence: FenceResult | null; note: string }> {
  let fencer: Fencer | undefined;
  try {
    fencer = await rt.fencerFor(host);
    const power = await fencer.getPower(AbortSignal.timeout(rt.config.fencing.requestTimeoutSeconds * 4000));
    const at = rt.now().toISOString();
    if (power !== 'off') return { fence: null, note: `its power reads ${power} (read again at ${at})` };
    const fence: FenceResult = {
      fenced: true,
      method: fencer.method,
      target: fencer.target,
      confirmedAt: at,
      attempts: 1,
      alreadyOff: true,
    };
    return { fence, note: `it reads powered off through ${fencer.method} (read again at ${at})` };
  } catch (err) {
    return { fence: null, note: `its power could not be read again: ${errorMessage(err)}` };
  } finally {
    await fencer?.close?.().catch(() => undefined);
  }
}

async function closeIncident(rt: Runtime, input: Input): Promise<IncidentStatus> {
  const incident = await rt.store.getIncident(input.incidentId);
  if (!incident) throw new Error(`incident ${input.incidentId} is missing from the store`);
  if (input.failure) {
    const cause = parseCause(input.failure.Cause);
    const reread =
      !incident.fence && input.failure.Error === FENCE_NOT_RECORDED ? await rereadPower(rt, incident.host) : null;
    const fence = incident.fence ?? reread?.fence ?? null;
    const status: IncidentStatus = stoppedOutcome(fence !== null, input.failure.Error);
    await rt.store.updateIncident(input.incidentId, {
      status: 'notifying',
      error: reread
        ? { name: input.failure.Error, message: `${cause}; ${reread.note}` }
        : (incident.error ?? { name: input.failure.Error, message: cause }),
      ...(fence && !incident.fence ? { fence } : {}),
    });
    await recordEvent(
      rt,
      input.incidentId,
      'error',
      reread
        ? `${cause}; ${reread.note}`
        : !fence
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
