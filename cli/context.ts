import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_FILE, loadConfigFile } from '../lib/config/index.js';
import type { Config } from '../lib/config/index.js';
import type { TimelineEvent } from '../lib/incidents/index.js';
// Types only: the workflow (every step, Nova, mail...) loads when a command opens a runtime, so
// a command that only reads the config and talks to a BMC (fence status) starts without it.
import type { LocalExecutionResult, Runtime, ExecutionInputRaw } from '../lib/workflow/index.js';
import { ConfigNotFoundError, withOsCloud } from '../lib/config/index.js';
import { osCloud } from './args.js';

/** The config file to use: --config, else ./freezer-dr.yaml when it exists, else none. */
export function configPathFrom(flag: string | undefined): string | undefined {
  if (flag) return flag;
  return existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined;
}

export async function requireConfig(flag: string | undefined): Promise<Config> {
  const path = configPathFrom(flag);
  if (!path) throw new ConfigNotFoundError(DEFAULT_CONFIG_FILE);
  return applyOsCloud(await loadConfigFile(path));
}

/** --os-cloud NAME: the clouds.yaml cloud NAME instead of the config file's cloud. */
export function applyOsCloud(config: Config): Config {
  const name = osCloud();
  return name ? { ...config, cloud: withOsCloud(config.cloud, name) } : config;
}

/** Build the runtime once and make it the one the in-process handlers use. */
export async function openRuntime(config: Config, overrides: Partial<Runtime> = {}): Promise<Runtime> {
  const { createRuntime, setRuntime } = await import('../lib/workflow/index.js');
  const rt = await createRuntime(config, overrides);
  setRuntime(rt);
  return rt;
}

export interface LocalTiming {
  waitMs?: Record<string, number>;
  retryMs?: Record<string, number | number[]>;
}

/** Run the real state machine in-process for one incident (execution name = incident id). */
export async function runRecoveryLocally(
  input: ExecutionInputRaw,
  timing: LocalTiming = {},
): Promise<LocalExecutionResult> {
  // The handlers (and all they import) load only for a command that runs the state machine.
  const [{ taskHandlers }, { runLocalExecution }] = await Promise.all([
    import('../functions/index.js'),
    import('../lib/workflow/index.js'),
  ]);
  return runLocalExecution(input.incidentId, input, {
    handlers: taskHandlers,
    waitMs: timing.waitMs,
    retryMs: timing.retryMs,
  });
}

export type EventPrinter = (incidentId: string, event: TimelineEvent) => void;
