import { UserInputError } from '../errors.js';

/** The config file does not exist or cannot be read. */
export class ConfigNotFoundError extends UserInputError {
  constructor(
    readonly path: string,
    options?: ErrorOptions & { hint?: string },
  ) {
    super(`config file not found: ${path}`, {
      ...options,
      hint: options?.hint ?? 'create freezer-dr.yaml (see README "Configuration") or pass --config <file>',
    });
    this.name = 'ConfigNotFoundError';
  }
}

/** The file is not valid YAML. */
export class ConfigSyntaxError extends UserInputError {
  constructor(
    readonly path: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`config file ${path} is not valid YAML: ${detail}`, options);
    this.name = 'ConfigSyntaxError';
  }
}

/** The YAML parsed but does not match the schema. `problems` name the exact field paths. */
export class ConfigInvalidError extends UserInputError {
  constructor(
    readonly source: string,
    readonly problems: string[],
    options?: ErrorOptions,
  ) {
    super(`${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.name = 'ConfigInvalidError';
  }
}

/** A secret reference cannot be resolved (unset env var, missing secret). Never shows a value. */
export class SecretUnavailableError extends UserInputError {
  constructor(
    readonly ref: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`secret ${ref} is not available: ${detail}`, options);
    this.name = 'SecretUnavailableError';
  }
}
