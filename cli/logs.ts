import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../lib/config/index.js';
import { createLogger, type Logger } from '../lib/log/index.js';

/** The directory freezer-dr keeps its local state in: the SQLite store's, else ./.freezer-dr. */
export function stateDir(config: Config): string {
  return config.store.driver === 'sqlite' && config.store.path !== ':memory:'
    ? dirname(resolve(config.store.path))
    : resolve('.freezer-dr');
}

export interface LogChoice {
  log?: Logger;
  /** Where the JSON log lines go, when not to stderr (said once, on the terminal). */
  file?: string;
}

/**
 * One output channel at a time. At a terminal the operator reads the human lines on stdout, so
 * the JSON log lines go to a file (--log-file, default <state dir>/freezer-dr.log) instead of
 * doubling every event on the screen. Without a terminal (a pipe, a supervisor, CI) nothing
 * changes: human lines on stdout, JSON logs on stderr, unless --log-file says otherwise.
 */
export function chooseLog(config: Config, flag: string | undefined, tty = Boolean(process.stdout.isTTY)): LogChoice {
  if (!flag && !tty) return {};
  const file = resolve(flag ?? join(stateDir(config), 'freezer-dr.log'));
  mkdirSync(dirname(file), { recursive: true });
  return { file, log: createLogger({ write: (line) => appendFileSync(file, line + '\n') }) };
}
