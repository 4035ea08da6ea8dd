import { TERMINAL_STATUSES, type Incident } from '../../incidents/index.js';
import { IncidentClosedError, InvalidExecutionInputError, OperatorConfirmationRefusedError } from '../errors.js';
import { findComputeService, openIncident, parseExecutionInput } from '../front-door.js';
import { assessRecovery } from '../readiness.js';
import { recordEvent, type Runtime } from '../runtime.js';
import type { ExecutionInput } from '../schemas.js';

/**
 * First state: validate the input, check the host exists in Nova (exact name), and open the
 * incident — or join the one the monitor/CLI already opened under this id (S4: a different
 * open incident for the same host refuses this execution). An operator's "I powered it off"
 * is checked against what we can see first (S1): whoever started the execution.
 */
export async function validateStep(rt: Runtime, raw: unknown): Promise<ExecutionInput> {
  const input = parseExecutionInput(raw);
  // An incident already opened under this id (by the monitor or the CLI, each right after
  // reading the host in Nova's service list) is joined without asking Nova again: a cloud outage
  // just after the monitor's pass must not fail this state and leave that incident open for good
  // (the monitor reads its host as in flight while it is open). The steps that need Nova retry,
  // and close the incident with the reason when they give up.
  const existing = await rt.store.getIncident(input.incidentId);
  if (existing) {
    if (existing.host !== input.host)
      throw new InvalidExecutionInputError([
        `incidentId ${input.incidentId} belongs to host ${existing.host}, not ${input.host}`,
      ]);
    if (TERMINAL_STATUSES.has(existing.status)) throw new IncidentClosedError(existing.id, existing.status);
    await refuseImplausibleConfirmation(rt, input, existing.id);
    const resumed = await interruption(rt, existing);
    await recordEvent(
      rt,
      input.incidentId,
      resumed ? 'resume' : 'detect',
      resumed
        ? `resumed by a new execution (requested by ${input.requestedBy}): ${resumed}`
        : `execution started for ${input.host} (${input.dryRun ? 'dry run' : 'recovery'}, requested by ${input.requestedBy})`,
    );
    return input;
  }
  await findComputeService(rt, input.host);
  await refuseImplausibleConfirmation(rt, input, null);
  await openIncident(rt, input);
  await recordEvent(rt, input.incidentId, 'detect', `${input.host}: ${input.reason}`);
  return input;
}

/**
 * When an earlier execution already worked on this incident (it moved past `open`, or it recorded
 * its own start), the words for the timeline: where that run stopped. Else null (a first run
 * joining the incident its opener created).
 */
async function interruption(rt: Runtime, existing: Incident): Promise<string | null> {
  const events = await rt.store.listEvents(existing.id);
  const ranBefore =
    existing.status !== 'open' ||
    events.some((e) => e.step === 'resume' || (e.step === 'detect' && e.message.startsWith('execution started')));
  if (!ranBefore) return null;
  const last = events.at(-1);
  return `the previous run stopped while ${existing.status}${last ? `, after "${last.message}" (${last.at})` : ''}; what it did is kept and nothing is done twice`;
}

/**
 * `fence: confirmed-by-operator` skips the BMC, so it is only taken when nothing we can see
 * contradicts it: a BMC reading On, or a fresh heartbeat in Nova, refuses the execution (and
 * closes an incident opened for it) unless the operator explicitly overrode it.
 */
async function refuseImplausibleConfirmation(rt: Runtime, input: ExecutionInput, openId: string | null) {
  if (input.fence !== 'confirmed-by-operator' || input.dryRun || input.operatorOverride) return;
  const readiness = await assessRecovery(rt, input.host, { fence: input.fence, withPlan: false });
  if (readiness.evidenceAlive.length === 0) return;
  const error = new OperatorConfirmationRefusedError(input.host, readiness.evidenceAlive);
  if (openId) {
    await rt.store.updateIncident(openId, {
      status: 'failed',
      closedAt: rt.now().toISOString(),
      error: { name: error.name, message: error.message },
    });
    await recordEvent(rt, openId, 'error', error.message);
  }
  throw error;
}
