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

/**
 * A file the configuration points at (clouds.yaml, a CA bundle, a client certificate or key) is
 * missing or unreadable. `key` is what the user wrote: `cacert`, `OS_CACERT`, `cloud.caBundle`…
 */
export class ConfigFileError extends UserInputError {
  constructor(
    readonly key: string,
    readonly path: string,
    readonly reason: string,
    options?: ErrorOptions & { hint?: string },
  ) {
    super(`${key}: cannot read ${path}: ${reason}`, options);
    this.name = 'ConfigFileError';
  }
}

/** Why a file cannot be read, in words: ENOENT → "no such file", EACCES → "permission denied"… */
export function fileReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory, not a file';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  return code ?? (err as Error).message;
}
