import { FreezerError } from '../errors.js';

/**
 * Nothing may be evacuated from the host: the aggregate filter failed closed (the host is in no
 * matching aggregate, or Nova's aggregates could not be read). Each instance was recorded as
 * skipped with the same reason; the recovery ends `failed` and the admins are told.
 */
export class EvacuationBlockedError extends FreezerError {
  constructor(host: string, reason: string) {
    super(`no instance of ${host} is evacuated: ${reason}`, {
      hint: `check the aggregates of ${host} (openstack aggregate list --long), then: freezer-dr plan --host ${host}`,
    });
    this.name = 'EvacuationBlockedError';
  }
}
