import { FreezerError } from '../errors.js';
import type { Incident } from './schemas.js';

/** S4: an open incident already exists for this host (or this id). Carries the existing one. */
export class IncidentExistsError extends FreezerError {
  constructor(
    readonly existing: Incident,
    hint = `see it with: freezer-dr incidents ${existing.id}`,
  ) {
    super(`host ${existing.host} already has an open incident ${existing.id} (${existing.status})`, { hint });
    this.name = 'IncidentExistsError';
  }
}

export class IncidentNotFoundError extends FreezerError {
  constructor(readonly id: string) {
    super(`no incident ${id}`);
    this.name = 'IncidentNotFoundError';
  }
}

export class StoreError extends FreezerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreError';
  }
}
