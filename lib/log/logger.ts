import { onWeakSecret, redact } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where JSON lines go. Defaults to stderr so stdout stays for command output. */
  write?: (line: string) => void;
  fields?: Record<string, unknown>;
}

function envLevel(): LogLevel {
  const v = process.env.FREEZER_DR_LOG_LEVEL ?? process.env.LOG_LEVEL;
  return v && v.toLowerCase() in ORDER ? (v.toLowerCase() as LogLevel) : 'info';
}

let invocation: Record<string, unknown> = {};

/**
 * Fields of the current Lambda invocation (request id, cold start, X-Ray trace id), added to
 * every line of every logger until the next invocation sets its own. Process-wide on purpose: a
 * Lambda container runs one invocation at a time, and the steps log through the runtime's
 * logger, which is built once per container.
 */
export function setInvocationContext(fields: Record<string, unknown>): void {
  invocation = { ...fields };
}

/** Structured JSON logs, one object per line; every line goes through the S6 redactor. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? envLevel();
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const base = options.fields ?? {};
  const emit = (lvl: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    write(
      JSON.stringify(
        redact({ level: lvl, time: new Date().toISOString(), message, ...invocation, ...base, ...fields }),
      ),
    );
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ level, write, fields: { ...base, ...fields } }),
  };
}

let rootLogger: Logger | undefined;
export function getLogger(): Logger {
  rootLogger ??= createLogger();
  return rootLogger;
}
export function setLogger(logger: Logger): void {
  rootLogger = logger;
}

// A secret that cannot be told apart from ordinary words is named once, at the time it is resolved
// (at start for the cloud and the BMCs): the key, never the value.
onWeakSecret((w) =>
  getLogger().warn(
    w.reason === 'too-short'
      ? `configured secret ${w.key} is too short to redact safely: it is redacted only under a secret's name (password=, X-Auth-Token:, a URL's password); use a long random secret`
      : `configured secret ${w.key} is too common a word to redact safely: it is redacted only where it stands as a whole value, never inside other words; use a long random secret`,
    { configKey: w.key, reason: w.reason },
  ),
);
