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
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** What is wrong with the store's file, as far as we can tell from the error and the file system. */
export type StoreProblem =
  | 'corrupt'
  | 'read-only'
  | 'permissions'
  | 'disk-full'
  | 'directory-missing'
  | 'not-a-file'
  | 'unknown';

/**
 * The incident store's file cannot be opened, read or written. Names the file and the likely
 * cause, with a hint; the file itself is never recreated or truncated because of it.
 */
export class StoreUnavailableError extends StoreError {
  constructor(
    readonly path: string,
    readonly problem: StoreProblem,
    message: string,
    options?: ErrorOptions & { hint?: string },
  ) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
