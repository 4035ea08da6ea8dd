import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Config } from '../config/schemas.js';
import { parseConfig } from '../config/load.js';
import { resolveCloud } from '../config/cloud.js';
import type { Fencer } from '../fencing/fencer.js';
import { createFencer } from '../fencing/registry.js';
import type { IncidentStore } from '../incidents/store.js';
import type { TimelineEvent } from '../incidents/schemas.js';
import { createStore } from '../incidents/registry.js';
import { getLogger, setLogger, type Logger } from '../log/index.js';
import { createSession, type OpenStackSession } from '../openstack/session.js';
import { UserInputError } from '../errors.js';

/** Everything a step needs, built once per process (per Lambda container) and passed explicitly. */
export interface Runtime {
  config: Config;
  store: IncidentStore;
  session: OpenStackSession;
  log: Logger;
  now: () => Date;
  fencerFor(host: string): Promise<Fencer>;
  /** Progress sink for a live timeline (the CLI); every event is also stored. */
  onEvent?: (incidentId: string, event: TimelineEvent) => void;
}

export async function createRuntime(config: Config, overrides: Partial<Runtime> = {}): Promise<Runtime> {
  const log = overrides.log ?? getLogger();
  const session = overrides.session ?? createSession(await resolveCloud(config.cloud));
  const store = overrides.store ?? (await createStore(config.store));
  return {
    config,
    store,
    session,
    log,
    now: overrides.now ?? (() => new Date()),
    fencerFor: overrides.fencerFor ?? ((host) => createFencer(config.fencing, host)),
    onEvent: overrides.onEvent,
  };
}

let current: Promise<Runtime> | undefined;

/**
 * The runtime of this process: set explicitly by the CLI / local runner, or built lazily in a
 * Lambda from FREEZER_DR_CONFIG (the config as JSON or YAML text, or a path to a file).
 */
export function getRuntime(): Promise<Runtime> {
  current ??= createRuntime(configFromEnv()).catch((err: unknown) => {
    current = undefined;
    throw err;
  });
  return current;
}

export function setRuntime(runtime: Runtime | undefined): void {
  current = runtime ? Promise.resolve(runtime) : undefined;
  // Handlers' middleware logs through the root logger: make it the runtime's.
  if (runtime) setLogger(runtime.log);
}

function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const value = env.FREEZER_DR_CONFIG;
  if (!value) throw new UserInputError('FREEZER_DR_CONFIG is not set: it must hold the freezer-dr config (JSON or YAML) or a path to it');
  const text = /^\s*[{a-zA-Z]/.test(value) && (value.includes('\n') || value.trimStart().startsWith('{')) ? value : readFileSync(value, 'utf8');
  return parseConfig(parse(text), 'FREEZER_DR_CONFIG');
}

/** Store a timeline event, log it, and show it live when someone is watching. */
export async function recordEvent(rt: Runtime, incidentId: string, step: TimelineEvent['step'], message: string, instanceId: string | null = null): Promise<void> {
  const event: TimelineEvent = { at: rt.now().toISOString(), step, message, instanceId };
  await rt.store.appendEvent(incidentId, event);
  rt.log.info(message, { incidentId, step, instanceId });
  rt.onEvent?.(incidentId, event);
}
