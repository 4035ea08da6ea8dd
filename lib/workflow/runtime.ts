import { readFileSync } from 'node:fs';
import type { Config, SecretRef } from '../config/index.js';
import { readReference } from '../config/index.js';
import { parseConfig } from '../config/index.js';
import { resolveCloud } from '../config/index.js';
import type { Fencer } from '../fencing/index.js';
import type { IncidentStore } from '../incidents/index.js';
import type { TimelineEvent } from '../incidents/index.js';
import { createStore } from '../incidents/index.js';
import { getLogger, redact, setLogger, type Logger } from '../log/index.js';
import { createSession, type OpenStackSession } from '../openstack/index.js';
import { UserInputError } from '../errors.js';
import { eventSinksFor, setEventSinks } from '../events/index.js';

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
  // Lifecycle events of this process go where its config and environment say (lib/events).
  setEventSinks(eventSinksFor(config.events, process.env));
  return {
    config,
    store,
    session,
    log,
    now: overrides.now ?? (() => new Date()),
    // Drivers load on the first fence: the Tasks that never fence never load a BMC client.
    fencerFor:
      overrides.fencerFor ?? (async (host) => (await import('../fencing/index.js')).createFencer(config.fencing, host)),
    onEvent: overrides.onEvent,
  };
}

let current: Promise<Runtime> | undefined;

/**
 * The runtime of this process: set explicitly by the CLI / local runner, or built lazily in a
 * Lambda from FREEZER_DR_CONFIG (the config as JSON or YAML text, or a path to a file).
 */
export function getRuntime(): Promise<Runtime> {
  current ??= configFromEnv()
    .then((config) => createRuntime(config))
    .catch((err: unknown) => {
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

/**
 * FREEZER_DR_CONFIG holds the config as JSON/YAML text, a path to a file, or an `ssm:/path` /
 * `secret:...` reference (Lambda caps its environment at 4 KB; a long BMC list lives in SSM).
 * FREEZER_DR_STORE_TABLE, set by serverless.yml, points the store at the stack's DynamoDB table.
 */
export async function configFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const value = env.FREEZER_DR_CONFIG;
  if (!value)
    throw new UserInputError(
      'FREEZER_DR_CONFIG is not set: it must hold the freezer-dr config (JSON or YAML), a path to it, or an ssm:/secret: reference',
    );
  let text: string;
  if (/^(ssm:\/|secret:)/.test(value)) text = await readReference(value as SecretRef, env);
  else if (value.trimStart().startsWith('{') || value.includes('\n')) text = value;
  else text = readFileSync(value, 'utf8');
  // JSON (what serverless.yml passes) needs no YAML parser on the cold path.
  const raw = (
    text.trimStart().startsWith('{') ? JSON.parse(text) : ((await import('yaml')).parse(text) ?? {})
  ) as Record<string, unknown>;
  const table = env.FREEZER_DR_STORE_TABLE;
  if (table && !raw.store) raw.store = { driver: 'dynamodb', table, region: env.AWS_REGION };
  return parseConfig(withAlertTopic(raw, env.FREEZER_DR_ALERT_TOPIC_ARN), 'FREEZER_DR_CONFIG');
}

/**
 * The stack's alert topic (FREEZER_DR_ALERT_TOPIC_ARN, set by serverless.yml) becomes one more
 * SNS channel, so the admin summaries and the gate alerts reach whoever subscribed to it with no
 * config of their own; `notification.alertTopic: false` turns that off. A config that already
 * names the topic keeps its own entry.
 */
export function withAlertTopic(raw: Record<string, unknown>, topicArn: string | undefined): Record<string, unknown> {
  const notification = (raw.notification ?? {}) as Record<string, unknown>;
  if (!topicArn || notification.alertTopic === false) return raw;
  const channels = Array.isArray(notification.channels)
    ? (notification.channels as Array<Record<string, unknown>>)
    : [];
  if (channels.some((c) => c.driver === 'sns' && c.topicArn === topicArn)) return raw;
  return { ...raw, notification: { ...notification, channels: [...channels, { driver: 'sns', topicArn }] } };
}

/** What recording an event needs: a whole runtime, or only a store and a logger (`incidents close --remote`). */
export type EventContext = Pick<Runtime, 'store' | 'log' | 'now' | 'onEvent'>;

/**
 * Store a timeline event, log it, and show it live when someone is watching. The event is
 * redacted once, here (S6), so the store, the log, stdout and the mails all carry the same text.
 */
export async function recordEvent(
  rt: EventContext,
  incidentId: string,
  step: TimelineEvent['step'],
  message: string,
  instanceId: string | null = null,
): Promise<void> {
  const event: TimelineEvent = redact({ at: rt.now().toISOString(), step, message, instanceId });
  await rt.store.appendEvent(incidentId, event);
  rt.log.info(message, { incidentId, step, instanceId });
  rt.onEvent?.(incidentId, event);
}
