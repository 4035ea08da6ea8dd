import type { IncidentStatus } from '../incidents/index.js';
import type { InstanceOutcome } from '../evacuation/index.js';

/** The terminal statuses an execution that got past Validate can end with. */
export type RecoveryOutcome = Extract<IncidentStatus, 'resolved' | 'partial' | 'failed' | 'timed-out' | 'fence-failed'>;

/**
 * The `Error` of the Fail state each unsuccessful outcome ends in. It is API: CloudWatch's
 * ExecutionsFailed alarm, EventBridge rules on "Step Functions Execution Status Change" and
 * `incidents` all read it, and test/unit/state-machine-outcome.test.ts checks the ASL uses these.
 */
export const EXECUTION_ERRORS = {
  partial: 'RecoveryPartial',
  failed: 'RecoveryFailed',
  'timed-out': 'RecoveryTimedOut',
  'fence-failed': 'FenceNotConfirmed',
  /** The Notify Task itself failed: the outcome may be recorded, but nobody was told. */
  notify: 'NotifyFailed',
} as const;

/** Step Functions' name for a Task that ran past its TimeoutSeconds. */
const TASK_TIMEOUT = 'States.Timeout';

/**
 * The outcome of a recovery whose evacuations all came back. Only a recovery that left no
 * evacuable instance behind is `resolved`; nothing evacuated at all is not "partial" but
 * `failed` (or `timed-out` when every one of them only ran out of time).
 */
export function recoveryOutcome(instances: readonly { outcome: InstanceOutcome }[]): RecoveryOutcome {
  const evacuated = instances.filter((i) => i.outcome === 'evacuated').length;
  const bad = instances.filter((i) => i.outcome !== 'evacuated' && i.outcome !== 'skipped');
  if (bad.length === 0) return 'resolved';
  if (evacuated > 0) return 'partial';
  return bad.every((i) => i.outcome === 'timeout') ? 'timed-out' : 'failed';
}

/** The outcome of a run that stopped early on `errorName`: fence not confirmed, a Task timeout, or failed. */
export function stoppedOutcome(fenced: boolean, errorName: string): RecoveryOutcome {
  if (!fenced) return 'fence-failed';
  return errorName === TASK_TIMEOUT ? 'timed-out' : 'failed';
}
