import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_FILE, loadConfigFile } from '../lib/config/index.js';
import type { Config } from '../lib/config/index.js';
import type { TimelineEvent } from '../lib/incidents/index.js';
// Types only: the workflow (every step, Nova, mail...) loads when a command opens a runtime or
// runs an execution, so a command that only reads the config and talks to a BMC (fence status)
// starts without it.
import type { LocalExecutionResult, Runtime, ExecutionInputRaw } from '../lib/workflow/index.js';
import type { IncidentStore } from '../lib/incidents/index.js';
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

export interface LocalRecovery {
  result: Promise<LocalExecutionResult>;
  /** Resolves once no Task handler is running (after an abort, the one in flight may still be writing). */
  idle(): Promise<void>;
}

/**
 * Run the real state machine in-process for one incident (execution name = incident id), under
 * the incident's execution lease when a store is given (so `incidents close|retry` see it live).
 * `signal` aborts it: the Task in flight finishes on its own, nothing new starts.
 */
export function startLocalRecovery(
  input: ExecutionInputRaw,
  timing: LocalTiming = {},
  opts: { store?: IncidentStore; signal?: AbortSignal } = {},
): LocalRecovery {
  const running = new Set<Promise<unknown>>();
  const start = async (): Promise<LocalExecutionResult> => {
    // The handlers (and all they import) load only for a command that runs the state machine.
    const [{ taskHandlers }, { runLocalExecution, withExecutionLease }] = await Promise.all([
      import('../functions/index.js'),
      import('../lib/workflow/index.js'),
    ]);
    const handlers = Object.fromEntries(
      Object.entries(taskHandlers).map(([key, handler]) => [
        key,
        (...args: Parameters<typeof handler>) => {
          const p = handler(...args);
          running.add(p);
          void p.then(
            () => running.delete(p),
            () => running.delete(p),
          );
          return p;
        },
      ]),
    ) as typeof taskHandlers;
    const run = () =>
      runLocalExecution(input.incidentId, input, {
        handlers,
        waitMs: timing.waitMs,
        retryMs: timing.retryMs,
        signal: opts.signal,
      });
    return opts.store ? withExecutionLease(opts.store, input.incidentId, run) : run();
  };
  return {
    result: start(),
    idle: async () => {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
}

/**
 * Load the handlers and the validated state machine now, for a process that will run recoveries:
 * the first recovery would otherwise spend ~0.3 s on them between the monitor's decision and the fence.
 */
export async function prepareLocalRecovery(): Promise<void> {
  const [, { prepareLocalExecution }] = await Promise.all([
    import('../functions/index.js'),
    import('../lib/workflow/index.js'),
  ]);
  await prepareLocalExecution();
}

/** Run the real state machine in-process for one incident and wait for its end. */
export function runRecoveryLocally(
  input: ExecutionInputRaw,
  timing: LocalTiming = {},
  store?: IncidentStore,
): Promise<LocalExecutionResult> {
  return startLocalRecovery(input, timing, { store }).result;
}

export type EventPrinter = (incidentId: string, event: TimelineEvent) => void;
