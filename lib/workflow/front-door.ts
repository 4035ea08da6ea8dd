import { incidentIdFor, IncidentExistsError, type Incident } from '../incidents/index.js';
import { listComputeServices, type ComputeService, type ServiceListing } from '../openstack/index.js';
import { formatIssues } from '../config/index.js';
import { InvalidExecutionInputError, UnknownHostError } from './errors.js';
import type { Runtime } from './runtime.js';
import { ExecutionInputSchema, MAX_INPUT_BYTES, type ExecutionInput } from './schemas.js';

/**
 * One way into a recovery. The monitor, `recover` (local, remote and dry run) and the Validate
 * task all build their input, find the host and open the incident here, so each rule (exact host
 * name, S4's conditional write) is written once.
 */

/** Parse raw execution input; every problem is named, nothing is guessed. */
export function parseExecutionInput(raw: unknown): ExecutionInput {
  const size = Buffer.byteLength(JSON.stringify(raw ?? null) ?? '');
  if (size > MAX_INPUT_BYTES)
    throw new InvalidExecutionInputError([`input is ${size} bytes; the limit is ${MAX_INPUT_BYTES}`]);
  const parsed = ExecutionInputSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidExecutionInputError(formatIssues(parsed.error));
  return parsed.data;
}

export interface RecoveryRequest {
  host: string;
  reason: string;
  requestedBy: string;
  dryRun?: boolean;
  fence?: ExecutionInput['fence'];
  /** Set only after the operator typed the host name to override a refused --confirm-fenced. */
  operatorOverride?: boolean;
  /** When the failure was first seen; defaults to `now`. */
  detectedAt?: Date;
  now: Date;
}

/** The state machine's input for a request; the incident id is also the execution name (S4). */
export function buildExecutionInput(req: RecoveryRequest): ExecutionInput {
  return parseExecutionInput({
    incidentId: incidentIdFor(req.host, req.now),
    host: req.host,
    reason: req.reason,
    detectedAt: (req.detectedAt ?? req.now).toISOString(),
    requestedBy: req.requestedBy,
    dryRun: req.dryRun ?? false,
    fence: req.fence ?? 'bmc',
    ...(req.operatorOverride ? { operatorOverride: true } : {}),
  });
}

/** The host's nova-compute service (exact name, S3) and the listing it came from, or UnknownHostError. */
export async function findComputeService(
  rt: Runtime,
  host: string,
  signal?: AbortSignal,
): Promise<{ service: ComputeService; listing: ServiceListing }> {
  const listing = await listComputeServices(rt.session, signal);
  const service = listing.services.find((s) => s.host === host);
  if (!service)
    throw new UnknownHostError(
      host,
      listing.services.map((s) => s.host),
    );
  return { service, listing };
}

/** The record of a newly opened incident. */
export function newIncident(input: ExecutionInput, at: Date): Incident {
  const now = at.toISOString();
  return {
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
}

/**
 * Open the incident with the store's conditional write (S4): a host with an open incident refuses
 * a second one with IncidentExistsError, which carries the open incident.
 */
export async function openIncident(rt: Runtime, input: ExecutionInput): Promise<Incident> {
  const incident = newIncident(input, rt.now());
  try {
    await rt.store.createIncident(incident);
  } catch (err) {
    if (err instanceof IncidentExistsError)
      rt.log.warn('refused: host already has an open incident (S4)', { host: input.host, existing: err.existing.id });
    throw err;
  }
  return incident;
}
