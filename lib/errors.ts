/**
 * Base of every error freezer-dr raises on purpose. `name` is API: the state machine's
 * Retry/Catch rules match on it, so each subclass sets its own fixed name.
 * Messages are written for an operator and never contain secrets (S6).
 */
export class FreezerError extends Error {
  /** What the operator can do about it, when we know. */
  readonly hint?: string;
  /** A user error (bad config, bad arguments): the CLI prints it without a stack trace. */
  readonly userError: boolean = false;
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'FreezerError';
    if (options?.hint) this.hint = options.hint;
  }
}

/** Bad input from a person: config file, CLI argument, execution input. */
export class UserInputError extends FreezerError {
  override readonly userError = true;
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'UserInputError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A request refused by a safety rule (an execution still live, a fence not confirmed): nothing
 * was done, and the message says what would make it acceptable. The CLI exits 4 for these.
 */
export class RefusedError extends FreezerError {
  constructor(message: string, options?: ErrorOptions & { hint?: string }) {
    super(message, options);
    this.name = 'RefusedError';
  }
}
