import { FreezerError, UserInputError } from '../errors.js';

/** The execution input is not what the state machine accepts. Fails the first state. */
export class InvalidExecutionInputError extends UserInputError {
  constructor(readonly problems: string[]) {
    super(`invalid execution input:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidExecutionInputError';
  }
}

/** Nova has no nova-compute service on that exact host. */
export class UnknownHostError extends UserInputError {
  constructor(
    readonly host: string,
    known: string[],
  ) {
    super(`Nova has no nova-compute service on host "${host}"`, {
      hint: `known hosts: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}`,
    });
    this.name = 'UnknownHostError';
  }
}

/** A step after Fence was reached without a confirmed power-off: refuse (S1, belt and braces). */
export class FenceNotConfirmedError extends FreezerError {
  constructor(incidentId: string) {
    super(`incident ${incidentId} has no confirmed power-off; refusing to isolate or evacuate (S1)`);
    this.name = 'FenceNotConfirmedError';
  }
}

/** The incident is already closed; a new recovery needs a new incident. */
export class IncidentClosedError extends UserInputError {
  constructor(incidentId: string, status: string) {
    super(`incident ${incidentId} is already closed (${status})`, { hint: 'start a new recovery for the host' });
    this.name = 'IncidentClosedError';
  }
}

/**
 * The operator said the host is powered off, but what we can see says it is running: its BMC
 * reads On, or Nova had a fresh heartbeat from it. Evacuating now would run every instance twice
 * (S1), so nothing is done.
 */
export class OperatorConfirmationRefusedError extends UserInputError {
  constructor(
    readonly host: string,
    readonly evidence: string[],
  ) {
    super(`refusing --confirm-fenced for ${host}: ${evidence.join('; ')}; nothing was changed`, {
      hint: `power the host off (freezer-dr fence off --host ${host}) and check it reads off, or, if you are certain the readings are wrong, add --force at a terminal and type the host name`,
    });
    this.name = 'OperatorConfirmationRefusedError';
  }
}

/**
 * A Task stopped itself before Lambda's own timeout would have killed it: every wait and call in
 * flight was aborted, so nothing runs on behind the state machine's back. Retry/Catch match on it.
 */
export class TaskDeadlineError extends FreezerError {
  constructor(marginMs: number) {
    super(`the task stopped ${marginMs} ms before its Lambda timeout; what it was doing was aborted`, {
      hint: 'raise the function timeout (serverless.yml) together with the Task TimeoutSeconds, or lower fencing.powerTimeoutSeconds',
    });
    this.name = 'TaskDeadlineError';
  }
}

/**
 * The fence step could not write its record (a full disk, a read-only or broken store). It
 * says whether the host was powered off by then, so nothing reports "NOT confirmed" for a
 * host that is off; the Notify step reads the power again before it reports.
 */
export class FenceNotRecordedError extends FreezerError {
  constructor(
    readonly host: string,
    readonly poweredOff: { at: string; how: string } | null,
    cause: unknown,
  ) {
    super(
      `${poweredOff ? `${host} was powered off (${poweredOff.how}, confirmed ${poweredOff.at})` : `${host} was not powered off by freezer-dr`}, but the incident store could not record it: ${causeText(cause)}; nothing was evacuated`,
      { cause, hint: 'fix the incident store (disk space, permissions), then see: freezer-dr incidents' },
    );
    this.name = 'FenceNotRecordedError';
  }
}

function causeText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
