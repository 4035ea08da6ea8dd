import { formatIssues } from '../../config/index.js';
import { IncidentExistsError } from '../../incidents/index.js';
import { TERMINAL_STATUSES, type Incident } from '../../incidents/index.js';
import { listComputeServices } from '../../openstack/index.js';
import { IncidentClosedError, InvalidExecutionInputError, UnknownHostError } from '../errors.js';
import { recordEvent, type Runtime } from '../runtime.js';
import { ExecutionInputSchema, MAX_INPUT_BYTES, type ExecutionInput } from '../schemas.js';

/** Parse raw execution input; every problem is named, nothing is guessed. */
export function parseExecutionInput(raw: unknown): ExecutionInput {
  const size = Buffer.byteLength(JSON.stringify(raw ?? null) ?? '');
  if (size > MAX_INPUT_BYTES)
    throw new InvalidExecutionInputError([`input is ${size} bytes; the limit is ${MAX_INPUT_BYTES}`]);
  const parsed = ExecutionInputSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidExecutionInputError(formatIssues(parsed.error));
  return parsed.data;
}

/**
 * First state: validate the input, check the host exists in Nova (exact name), and open the
 * incident — or join the one the monitor/CLI already opened under this id (S4: a different
 * open incident for the same host refuses this execution).
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
    await recordEvent(
      rt,
      input.incidentId,
      'detect',
      `execution started for ${input.host} (${input.dryRun ? 'dry run' : 'recovery'}, requested by ${input.requestedBy})`,
    );
    return input;
  }
  const { services } = await listComputeServices(rt.session);
  if (!services.some((s) => s.host === input.host))
    throw new UnknownHostError(
      input.host,
      services.map((s) => s.host),
    );
  const now = rt.now().toISOString();
  const incident: Incident = {
    id: input.incidentId,
    host: input.host,
    status: 'open',
    reason: input.reason,
    requestedBy: input.requestedBy,
    detectedAt: input.detectedAt,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    dryRun: input.dryRun,
    fence: null,
    isolation: null,
    plan: null,
    error: null,
    notifications: [],
  };
  try {
    await rt.store.createIncident(incident);
  } catch (err) {
    if (err instanceof IncidentExistsError)
      rt.log.warn('refused: host already has an open incident (S4)', { host: input.host, existing: err.existing.id });
    throw err;
  }
  await recordEvent(rt, input.incidentId, 'detect', `${input.host}: ${input.reason}`);
  return input;
}
