import * as z from '../zod-mini.js';
import * as Select from './evacuation-select.js';
import { isKnownTimeZone } from './time-zone.js';
import { ReservedHostsSchema } from './reserved-hosts.js';
import { CapacitySchema } from './capacity.js';
import { EvacuationLockSchema, EvacuationRetriesSchema } from './evacuation-run.js';

/**
 * A reference to a secret, never the secret itself (S6).
 * `env:NAME` reads an environment variable; `secret:<arn or name>` (Secrets Manager,
 * optional `#jsonKey`) and `ssm:/path` (SSM Parameter Store, decrypted) are resolved in AWS.
 */
export const SecretRefSchema = z.string().check(
  z.regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|secret:[^\s]+|ssm:\/[^\s]*)$/, {
    message:
      'expected a secret reference like "env:NAME", "secret:<arn-or-name>[#key]" or "ssm:/path" — never the secret itself',
  }),
);
export type SecretRef = z.infer<typeof SecretRefSchema>;

const HttpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' });
const Seconds = (def: number) =>
  z._default(z.number().check(z.positive({ message: 'expected a positive number of seconds' })), def);

/** A compute host name as Nova reports it: letters, digits, dot, dash, underscore only. */
export const HostNameSchema = z.string().check(
  z.minLength(1),
  z.maxLength(255),
  z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    message: 'expected a host name made of letters, digits, ".", "-" and "_"',
  }),
);

const PasswordAuth = z.strictObject({
  type: z.literal('password'),
  /** The user: `username` (in its domain) or `userId`. */
  username: z.optional(z.string().check(z.minLength(1))),
  userId: z.optional(z.string().check(z.minLength(1))),
  /** Where the password comes from. */
  password: SecretRefSchema,
  /** The user's domain when `username` is used: an id or a name (default: the name "Default"). */
  userDomainName: z.optional(z.string()),
  userDomainId: z.optional(z.string().check(z.minLength(1))),
  /** The project to scope the token to: `projectId`, or `projectName` in its domain. */
  projectName: z.optional(z.string().check(z.minLength(1))),
  projectId: z.optional(z.string().check(z.minLength(1))),
  /** The project's domain when `projectName` is used: an id or a name (default: the name "Default"). */
  projectDomainName: z.optional(z.string()),
  projectDomainId: z.optional(z.string().check(z.minLength(1))),
});

const AppCredentialAuth = z.strictObject({
  type: z.literal('application-credential'),
  applicationCredentialId: z.string().check(z.minLength(1)),
  applicationCredentialSecret: SecretRefSchema,
});

const CloudCommon = {
  /** Region of the endpoints to use; defaults to the first region in the catalog. */
  regionName: z.optional(z.string()),
  /** Endpoint interface to pick from the catalog. Defaults to clouds.yaml / OS_INTERFACE, else `public`. */
  interface: z.optional(z.enum(['public', 'internal', 'admin'])),
  /** PEM file of a private CA that signs the cloud's certificates (S7). */
  caBundle: z.optional(z.string()),
  /** Client certificate (PEM) presented to Keystone and Nova, like clouds.yaml `cert` / OS_CERT. */
  clientCert: z.optional(z.string()),
  /** Its private key (PEM) when not inside `clientCert`, like clouds.yaml `key` / OS_KEY. */
  clientKey: z.optional(z.string()),
  /** Turn TLS verification off. Logged as a warning at every start (S7). Defaults to false. */
  insecure: z.optional(z.boolean()),
  /** Per-request timeout towards Keystone and Nova. Defaults to 10 s. */
  requestTimeoutSeconds: Seconds(10),
};

export const CloudSchema = z.discriminatedUnion('from', [
  /**
   * A named cloud from clouds.yaml (searched in ./, ~/.config/openstack, /etc/openstack or `file`),
   * secure.yaml merged over it. No `name`: OS_CLOUD names it. --os-cloud overrides both.
   */
  z.strictObject({
    from: z.literal('clouds-yaml'),
    name: z.optional(z.string().check(z.minLength(1))),
    file: z.optional(z.string()),
    ...CloudCommon,
  }),
  /** The usual OS_* environment variables (OS_AUTH_URL, OS_USERNAME, ...). */
  z.strictObject({ from: z.literal('env'), ...CloudCommon }),
  /** Everything in this file; the secret part is a reference. */
  z.strictObject({
    from: z.literal('inline'),
    authUrl: HttpUrl,
    auth: z.discriminatedUnion('type', [PasswordAuth, AppCredentialAuth]),
    ...CloudCommon,
  }),
]);

export const GatesSchema = z.strictObject({
  /**
   * Storm gate: most hosts in simultaneous trouble — new failures + suspects + hosts whose
   * recovery is in flight or ended within `recentRecoveryWindowSeconds` — before nothing new is
   * fenced (count). Hosts recovered earlier and still out for repair do not count: one recovery
   * must not switch automatic HA off. Defaults to 1.
   */
  maxFailedHosts: z._default(z.number().check(z.int(), z.minimum(0)), 1),
  /** Storm gate: the same count as a % of the enabled hosts. Defaults to 34. */
  maxFailedPercent: z._default(z.number().check(z.minimum(0), z.maximum(100)), 34),
  /**
   * Storm gate: a recovery that ended this long ago still counts as simultaneous trouble
   * (seconds). Defaults to 600 (10 min).
   */
  recentRecoveryWindowSeconds: z._default(z.number().check(z.minimum(0)), 600),
  /**
   * All-stale gate: when at least this % of the ENABLED (not forced-down, not excluded) hosts
   * look stale or down at once, act on none. Disabled hosts are never counted. Defaults to 75.
   */
  allStalePercent: z._default(z.number().check(z.minimum(1), z.maximum(100)), 75),
  /**
   * Per-aggregate / per-AZ limits: read `freezer-dr:max_failures` from Nova's aggregate metadata
   * (GET /os-aggregates) whenever a host looks down. An aggregate whose hosts in trouble exceed
   * its limit holds its own hosts; the most restrictive aggregate of a host applies; other
   * aggregates keep recovering. A value that is not a whole number holds the aggregate's hosts
   * (a clear reason, never a silent default). Defaults to true.
   */
  aggregateLimits: z._default(z.boolean(), true),
});

const PortSchema = z.number().check(z.int(), z.minimum(1), z.maximum(65535));

/**
 * Second signal: a PromQL instant query over the Prometheus HTTP API (`GET /api/v1/query`).
 * The default query is node_exporter's `up`; a host is alive when any of its series reads > 0.
 */
export const PrometheusSignalSchema = z.strictObject({
  driver: z.literal('prometheus'),
  /** Prometheus base URL (reached through the VPN like Nova), e.g. https://prometheus.example:9090. */
  url: HttpUrl,
  /** PromQL instant query; one series per compute host, value > 0 = alive. Defaults to `up`. */
  query: z._default(z.string().check(z.minLength(1)), 'up'),
  /**
   * The label carrying the compute host's name. Its value matches a Nova host when equal, or
   * equal up to a `:port` suffix (node_exporter's `instance="compute-1:9100"`), or when its
   * first DNS label is the host name. Defaults to `instance`.
   */
  hostLabel: z._default(z.string().check(z.minLength(1)), 'instance'),
  /** Bearer token for a Prometheus behind an authenticating proxy (a secret reference). */
  bearerToken: z.optional(SecretRefSchema),
  /** PEM file of a private CA (S7). */
  caBundle: z.optional(z.string()),
  /** Per-request timeout. Defaults to 5 s. */
  requestTimeoutSeconds: Seconds(5),
});

/**
 * Second signal: a TCP connect to the compute's management address. A host is alive when any
 * port accepts, or answers with a reset (its kernel is up); unreachable when every port times out
 * or the network says the host is unreachable.
 */
export const TcpProbeSignalSchema = z.strictObject({
  driver: z.literal('tcp-probe'),
  /** Management address template; `{host}` is the Nova host name. Defaults to `{host}`. */
  address: z._default(z.string().check(z.minLength(1)), '{host}'),
  /** Per-host addresses (exact Nova host name → address), before the template. */
  addresses: z._default(z.record(HostNameSchema, z.string().check(z.minLength(1))), {}),
  /** Ports to try; any one answering means the host is alive. Defaults to [22]. */
  ports: z._default(z.array(PortSchema).check(z.minLength(1)), [22]),
  /**
   * What a refused connection (TCP reset) means: `alive` (the host's kernel answered; the
   * safe reading) or `unreachable` (only where a firewall answers resets for dead hosts, or on
   * loopback test beds). Defaults to alive.
   */
  refused: z._default(z.enum(['alive', 'unreachable']), 'alive'),
  /** Per-connect timeout. Defaults to 2 s. */
  timeoutSeconds: Seconds(2),
});

export const SecondSignalSchema = z.discriminatedUnion('driver', [PrometheusSignalSchema, TcpProbeSignalSchema]);

export const RefenceSchema = z.strictObject({
  /** Extra fence attempts after a fence failed, per failure episode. 0 = off. Defaults to 0. */
  maxAttempts: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(5)), 0),
  /** Wait this long after a failed fence before trying again (seconds). Defaults to 300. */
  afterSeconds: z._default(z.number().check(z.minimum(0)), 300),
});

export const MonitorSchema = z.strictObject({
  /** Monitor driver (registry name). */
  driver: z._default(z.enum(['nova-services']), 'nova-services'),
  /**
   * `second-signal`: a host is failed only when Nova says stale/down AND `secondSignal` says
   * unreachable; without a `secondSignal` nothing is fenced (gate) and the admins are told.
   * `nova-only`: Nova's heartbeat alone decides (a warning is logged at start). Defaults to second-signal.
   */
  confirmation: z._default(z.enum(['second-signal', 'nova-only']), 'second-signal'),
  /** The independent signal that must agree before a host is fenced (prometheus | tcp-probe). */
  secondSignal: z.optional(SecondSignalSchema),
  /**
   * Partition guard: when more than this % of the enabled hosts are unreachable on the second
   * signal at once (and at least 2), fence nothing that pass: the watcher's own path is the
   * likelier cause. Defaults to 50.
   */
  cliffPercent: z._default(z.number().check(z.minimum(0), z.maximum(100)), 50),
  /** Seconds between monitor passes when running locally (the Lambda uses its schedule). Defaults to 60. */
  intervalSeconds: Seconds(60),
  /** A heartbeat older than this (read against Nova's Date header) makes a host a suspect. Defaults to 60. */
  staleAfterSeconds: Seconds(60),
  /**
   * When Nova's answer has no Date header (Debian serves nova-api from uwsgi without one), read
   * heartbeat ages against the freshest heartbeat Nova lists (`freshest-heartbeat`: a drifting
   * watchdog clock cannot invent failures; detection can be up to a report interval later) or
   * against this machine's clock (`local-clock`: needs NTP on both sides). Defaults to freshest-heartbeat.
   */
  withoutDateHeader: z._default(z.enum(['freshest-heartbeat', 'local-clock']), 'freshest-heartbeat'),
  /**
   * A suspect (both signals agree, or Nova alone with nova-only) becomes a failure after staying
   * a suspect this long. Defaults to 30.
   */
  graceSeconds: z._default(z.number().check(z.minimum(0)), 30),
  gates: z.prefault(GatesSchema, {}),
  /** Monitor-only mode: detect and report, start nothing. Also switchable in the store. */
  paused: z._default(z.boolean(), false),
  /** Hosts never acted on (exact names). */
  excludeHosts: z._default(z.array(HostNameSchema), []),
  /**
   * While a fence-failed incident stays unresolved (the host still looks dead and is not forced
   * down), remind the admins this often (hours; 0 = never). Defaults to 6.
   */
  fenceFailedReminderHours: z._default(z.number().check(z.minimum(0)), 6),
  /** Bounded re-fence after a failed fence (a BMC that was only briefly unreachable). Off by default. */
  refence: z.prefault(RefenceSchema, {}),
});

/** Address, account and secret shared by the drivers that talk to a BMC. */
const BmcAccess = {
  /** BMC address: a URL for redfish (https://bmc-1.example), host[:port] for ipmi. `{host}` in a default is replaced. */
  address: z.string().check(z.minLength(1)),
  username: z.optional(z.string().check(z.minLength(1))),
  password: z.optional(SecretRefSchema),
};

/** A Redfish BMC (DMTF DSP0266). */
export const RedfishBmcSchema = z.strictObject({
  /** Fencer driver (registry name). */
  driver: z.literal('redfish'),
  ...BmcAccess,
  /** The ComputerSystem id when the BMC manages several (iDRAC `System.Embedded.1`, iLO `1`, OpenBMC `system`). */
  systemId: z.optional(z.string().check(z.minLength(1))),
  /** `session` (X-Auth-Token, re-login on 401) or `basic`. Defaults to basic. */
  authMode: z._default(z.enum(['basic', 'session']), 'basic'),
  /** PEM file of a private CA that signs the BMC's certificate (S7). */
  caBundle: z.optional(z.string()),
  /** Turn TLS verification off (S7). Defaults to false. */
  insecure: z._default(z.boolean(), false),
});

/** An IPMI v2.0 RMCP+ ("lanplus") BMC. */
export const IpmiBmcSchema = z.strictObject({
  driver: z.literal('ipmi'),
  ...BmcAccess,
  /**
   * Cipher suites we allow, in order of preference. The BMC's own list (Get Channel Cipher
   * Suites) decides which of them is used. Only suites with authentication + integrity are
   * accepted (S8). Defaults to [17, 3].
   */
  cipherSuites: z.optional(
    z
      .array(
        z.union([z.literal(3), z.literal(17)], {
          message:
            'expected cipher suite 3 or 17 (suite 0 and the other suites without authentication and integrity are never used, S8)',
        }),
      )
      .check(
        z.minLength(1, {
          message: 'expected at least one cipher suite (3 or 17); leave the key out for the default [17, 3]',
        }),
      ),
  ),
  /** Privilege level for the session. Defaults to administrator. */
  privilege: z._default(z.enum(['administrator', 'operator']), 'administrator'),
  /**
   * The BMC key K_G (IPMI v2.0 §13.31), when the BMC has one set: a secret reference whose
   * value is the key in hex (at most 20 bytes, as `ipmitool -y` / `fence_ipmilan --hexadecimal-kg`).
   */
  kg: z.optional(SecretRefSchema),
});

/** A host without a usable BMC: an operator powers it off and confirms it. */
export const ManualBmcSchema = z.strictObject({
  driver: z.literal('manual'),
  /** Where the operator finds the host (rack, PDU outlet…), shown in the fence-failed mail. */
  note: z.optional(z.string()),
});

/** One strict object per driver: another driver's keys are refused with their path. */
export const BmcSchema = z.discriminatedUnion('driver', [RedfishBmcSchema, IpmiBmcSchema, ManualBmcSchema]);

const Match = { match: z.string().check(z.minLength(1)) };
const BmcDefaultSchema = z.discriminatedUnion('driver', [
  z.extend(RedfishBmcSchema, Match),
  z.extend(IpmiBmcSchema, Match),
  z.extend(ManualBmcSchema, Match),
]);

export const FencingSchema = z.strictObject({
  /** BMC per host, keyed by the exact Nova host name. */
  hosts: z._default(z.record(HostNameSchema, BmcSchema), {}),
  /**
   * Defaults by host-name pattern (a glob: `*` and `?`), tried in order when a host has no entry.
   * `{host}` in `address` is replaced by the host name.
   */
  defaults: z._default(z.array(BmcDefaultSchema), []),
  /** How long to wait for the BMC to report power off. Defaults to 30 s. */
  powerTimeoutSeconds: Seconds(30),
  /**
   * Longest pause between power-state reads while waiting. The first second after the
   * request is polled every 100 ms, then the pause grows to this. Defaults to 1.
   */
  pollIntervalSeconds: Seconds(1),
  /**
   * One request to a BMC: an IPMI request with its retransmissions (1 s, 2 s, … apart), or one
   * Redfish HTTP request. A BMC silent this long is unreachable. Defaults to 5 s.
   */
  requestTimeoutSeconds: Seconds(5),
  /**
   * One BMC operation (read or set the power): the whole IPMI session (cipher suites, RAKP,
   * the command, close: about 8 round trips, handshake restarts included) or the Redfish
   * login + reads. A slow BMC needs this, not a longer requestTimeoutSeconds. Defaults to 20 s.
   */
  operationTimeoutSeconds: Seconds(20),
});

export const EvacuableSchema = z.strictObject({
  /**
   * `all`: every instance; `tagged`: only marked instances; `all-unless-any-tagged`: fence_evacuate's
   * rule, every instance while nothing in the cloud carries the mark, only marked ones once anything
   * does (the README's truth table says over which population). Defaults to `all`.
   */
  mode: z._default(z.enum(['all', 'tagged', 'all-unless-any-tagged']), 'all'),
  /**
   * The mark: a flavor extra spec, image property, server metadata or aggregate metadata key with a
   * true-ish value (true/1/yes/on/t/y), or a Glance image tag of this name. Unset: `evacuable`, unless
   * one of the legacy key=value markers below is set (then only those count, as before `tag` existed).
   */
  tag: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  /** Where the tag counts. Defaults to all four. */
  sources: z._default(z.array(Select.MarkSourceSchema).check(z.minLength(1)), [
    'flavor',
    'image',
    'server',
    'aggregate',
  ]),
  /** Legacy: flavor extra spec key=value (e.g. "evacuable=true"), matched exactly. */
  flavorExtraSpec: z.optional(Select.KeyValueMarkerSchema),
  /** Legacy: image property key=value, matched exactly. */
  imageProperty: z.optional(Select.KeyValueMarkerSchema),
  /** Legacy: server metadata key=value, matched exactly. */
  serverMetadata: z.optional(Select.KeyValueMarkerSchema),
  /**
   * Host aggregate metadata key=value the failed host must be in (AND-ed with `mode`). Fails closed:
   * a host in no matching aggregate, or aggregates Nova cannot list, evacuates nothing and the
   * recovery fails with the reason. Unset: no filter.
   */
  aggregateFilter: z.optional(Select.KeyValueMarkerSchema),
  /** Server metadata key holding an integer priority in -1000..1000: higher evacuates first within a group. */
  priorityMetadataKey: z._default(z.string(), 'freezer-dr:priority'),
});

export const EvacuationSchema = z.strictObject({
  /** Instances evacuated at once (free slots are filled every check round). Defaults to 4. */
  concurrency: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(40)), 4),
  /** Give up on one instance after this long. Defaults to 600 s. */
  instanceTimeoutSeconds: Seconds(600),
  /**
   * Longest wait between two check rounds of a host's evacuations (fractions allowed). Rounds
   * adapt below it: the first 0.1 s after a request, then aimed at when the rebuilds seen so far
   * ended, backing off with age. Defaults to 5.
   */
  checkIntervalSeconds: Seconds(5),
  evacuable: z.prefault(EvacuableSchema, {}),
  /** Instances never evacuated, by name glob. Defaults to none. */
  skip: z.prefault(Select.SkipSchema, {}),
  /** Restart groups from server metadata: group 1 first, then 2, …; the ungrouped last by default. */
  groups: z.prefault(Select.RestartGroupsSchema, {}),
  /** An instance whose task is stuck from the dead host: `skip` it with the reason, or `reset` it and evacuate. Defaults to `skip`. */
  stuckTasks: Select.StuckTasksSchema,
  /** Target host for every evacuation; unset lets the scheduler choose (recommended). */
  targetHost: z.optional(HostNameSchema),
  /**
   * `classic` pins 2.68: each instance comes back in the power state it had (active stays
   * active, stopped stays stopped). `stopped-at-destination` pins 2.95 (Nova 2023.2+): every
   * evacuated instance is left stopped, for clouds where owners restart their own workloads.
   */
  microversionPolicy: z._default(z.enum(['classic', 'stopped-at-destination']), 'classic'),
  /** Spare hosts kept disabled until a host they stand in for fails (lib/config/reserved-hosts.ts). Off when unset. */
  reservedHosts: z.optional(ReservedHostsSchema),
  /**
   * Seconds to wait after the host is fenced (and planned) before the first evacuation, so
   * shared storage can release the dead host's locks. A Wait state in the definition; 0 skips it.
   * Defaults to 0.
   */
  postFenceDelaySeconds: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(3600)), 0),
  retries: z.prefault(EvacuationRetriesSchema, {}),
  lock: EvacuationLockSchema,
});

const SmtpSchema = z.strictObject({
  type: z.literal('smtp'),
  host: z.string().check(z.minLength(1)),
  port: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(65535)), 587),
  /** `tls` = implicit TLS (465); `starttls` = upgrade required; `none` = plain (tests only). */
  security: z._default(z.enum(['tls', 'starttls', 'none']), 'starttls'),
  username: z.optional(z.string()),
  password: z.optional(SecretRefSchema),
  caBundle: z.optional(z.string()),
});

const SesSchema = z.strictObject({
  type: z.literal('ses'),
  region: z.string().check(z.minLength(1)),
  configurationSet: z.optional(z.string()),
});

export const EmailNotifierSchema = z.strictObject({
  driver: z.literal('email'),
  transport: z.discriminatedUnion('type', [SmtpSchema, SesSchema]),
  from: z.string().check(z.minLength(3)),
});

export const WebhookNotifierSchema = z.strictObject({
  driver: z.literal('webhook'),
  url: HttpUrl,
  format: z._default(z.enum(['json', 'slack', 'teams']), 'json'),
});

/**
 * SNS channel: the admin summary and alerts are published to one topic, for teams that route
 * alerts through AWS (email subscriptions, chatbot, PagerDuty).
 */
export const SnsNotifierSchema = z.strictObject({
  driver: z.literal('sns'),
  topicArn: z.string().check(
    z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/, {
      message: 'expected an SNS topic ARN',
    }),
  ),
  /** Region of the topic; defaults to the region in the ARN. */
  region: z.optional(z.string()),
});

export const NotificationSchema = z.strictObject({
  /** Cloud admins: they get every summary and every gate alert. */
  admins: z._default(z.array(z.email()), []),
  /** Only members holding one of these roles are told (empty = every role). */
  memberRoles: z._default(z.array(z.string()), []),
  /** Extra recipients per project id. */
  projectRecipients: z._default(z.record(z.string(), z.array(z.email())), {}),
  /** Time zone for dates in messages (an IANA name such as Europe/Berlin). Defaults to UTC. */
  timeZone: z._default(
    z.string().check(
      z.refine(isKnownTimeZone, {
        message: 'not a time zone this runtime knows; use an IANA name such as Europe/Berlin or UTC',
      }),
    ),
    'UTC',
  ),
  /**
   * Also send the admins the per-project mails of projects they are members of (an admin with a
   * role in every project would otherwise get one copy per project on top of the summary).
   * Defaults to false: admins get the summary; a project with nobody else reachable still falls back to them.
   */
  adminsGetProjectMails: z._default(z.boolean(), false),
  channels: z._default(
    z.array(z.discriminatedUnion('driver', [EmailNotifierSchema, WebhookNotifierSchema, SnsNotifierSchema])),
    [],
  ),
  /** Also mail the admins when a recovery starts (host fenced, what will be evacuated). Defaults to false. */
  sendStartedMail: z._default(z.boolean(), false),
  /** Directory with operator templates; a `<name>.eta` there replaces the built-in one. Defaults to none. */
  templatesDir: z.optional(z.string().check(z.minLength(1))),
  /** Who project members should contact (address or URL). Defaults to the admins' addresses. */
  supportContact: z.optional(z.string().check(z.minLength(1))),
  /**
   * In AWS, also publish the admin summaries and gate alerts to the stack's alert topic
   * (FREEZER_DR_ALERT_TOPIC_ARN). Defaults to true; ignored where that variable is unset.
   */
  alertTopic: z._default(z.boolean(), true),
});

export const StoreSchema = z.discriminatedUnion('driver', [
  z.strictObject({ driver: z.literal('sqlite'), path: z._default(z.string(), '.freezer-dr/incidents.db') }),
  z.strictObject({
    driver: z.literal('dynamodb'),
    table: z.string().check(z.minLength(3)),
    region: z.optional(z.string()),
    endpoint: z.optional(HttpUrl),
  }),
]);

/** Lifecycle events (lib/events): always to the log; in AWS also to the stack's EventBridge bus. */
export const EventsSchema = z.strictObject({
  /** Also POST each event as JSON to this URL (5 s timeout, no retry). Defaults to none. */
  webhook: z.optional(HttpUrl),
});

export const ConfigSchema = z.strictObject({
  cloud: CloudSchema,
  monitor: z.prefault(MonitorSchema, {}),
  fencing: z.prefault(FencingSchema, {}),
  evacuation: z.prefault(EvacuationSchema, {}),
  notification: z.prefault(NotificationSchema, {}),
  store: z._default(StoreSchema, { driver: 'sqlite', path: '.freezer-dr/incidents.db' }),
  events: z._default(EventsSchema, {}),
  capacity: z.prefault(CapacitySchema, {}),
});

export type Config = z.infer<typeof ConfigSchema>;
export type CloudConfig = z.infer<typeof CloudSchema>;
export type MonitorConfig = z.infer<typeof MonitorSchema>;
export type GatesConfig = z.infer<typeof GatesSchema>;
export type SecondSignalConfig = z.infer<typeof SecondSignalSchema>;
export type PrometheusSignalConfig = z.infer<typeof PrometheusSignalSchema>;
export type TcpProbeSignalConfig = z.infer<typeof TcpProbeSignalSchema>;
export type BmcConfig = z.infer<typeof BmcSchema>;
export type RedfishBmcConfig = z.infer<typeof RedfishBmcSchema>;
export type IpmiBmcConfig = z.infer<typeof IpmiBmcSchema>;
export type ManualBmcConfig = z.infer<typeof ManualBmcSchema>;
export type FencingConfig = z.infer<typeof FencingSchema>;
export type EvacuationConfig = z.infer<typeof EvacuationSchema>;
export type EvacuableConfig = z.infer<typeof EvacuableSchema>;
export { ReservedHostsSchema, type ReservedHostsConfig } from './reserved-hosts.js';
export type NotificationConfig = z.infer<typeof NotificationSchema>;
export type EmailNotifierConfig = z.infer<typeof EmailNotifierSchema>;
export type WebhookNotifierConfig = z.infer<typeof WebhookNotifierSchema>;
export type StoreConfig = z.infer<typeof StoreSchema>;
