import type { SimClock } from './clock.js';
import { uuidFrom } from './ids.js';
import type { ResolvedOptions } from './options.js';
import type { SeedData } from './seed.js';
import type { Timers } from './timers.js';
import type { RedfishPowerState, RequestLogEntry, SimFaults } from './types.js';

/** A row of Nova's `services` table. */
export interface ServiceRec {
  uuid: string;
  /** The integer id shown below microversion 2.53. */
  numericId: number;
  binary: 'nova-compute' | 'nova-scheduler' | 'nova-conductor';
  host: string;
  zone: string;
  disabled: boolean;
  disabledReason: string | null;
  forcedDown: boolean;
  createdAt: number;
  /** Last time an API call changed the row: it bumps `updated_at` but not `last_seen_up`. */
  editedAt: number;
}

/** One compute node: its power, its nova-compute process and its BMC. */
export interface HostRec {
  name: string;
  power: RedfishPowerState;
  /** Bumped on every power transition so a stale timer can tell it lost the race. */
  powerGeneration: number;
  /** nova-compute process alive (it heartbeats every reportIntervalMs from runningSince). */
  computeRunning: boolean;
  runningSince: number;
  /** last_seen_up while the process is dead. */
  frozenLastSeenUp: number;
  /** Evacuated instances whose local copy this host still holds (removed at nova-compute start). */
  pendingCleanup: Set<string>;
  /** RPC casts waiting in this compute's queue while it is dead (replayed when it starts). */
  queuedCasts: Array<() => void>;
  /** The operating system answers on the network (the second signal: node_exporter, a TCP probe). */
  osRunning: boolean;
  bmc: {
    username: string;
    password: string;
    systemId: string;
    sessions: Map<string, { id: string; userName: string }>;
  };
}

export interface FaultRec {
  code: number;
  message: string;
  created: number;
  details?: string;
}

export interface ServerRec {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  host: string | null;
  node: string | null;
  flavorId: string;
  imageId: string | null;
  vmState: 'active' | 'stopped' | 'error' | 'building';
  taskState: string | null;
  /** Nova's power_state integers: 0 NOSTATE, 1 RUNNING, 4 SHUTDOWN. */
  powerState: number;
  launchedAt: number | null;
  createdAt: number;
  updatedAt: number;
  metadata: Record<string, string>;
  fault: FaultRec | null;
  /** Sequence number for instance_name ("instance-0000000a"). */
  seq: number;
  /** Nova's locked_by: who locked it (the API shows `locked` from 2.9), null when unlocked. */
  lockedBy: 'owner' | 'admin' | null;
  /** system_metadata locked_reason (shown from 2.73). */
  lockedReason: string | null;
}

export type MigrationStatus = 'accepted' | 'pre-migrating' | 'done' | 'completed' | 'error' | 'failed';

export interface MigrationRec {
  id: number;
  uuid: string;
  instanceUuid: string;
  migrationType: 'evacuation';
  sourceCompute: string;
  sourceNode: string;
  destCompute: string | null;
  destNode: string | null;
  destHost: string | null;
  status: MigrationStatus;
  flavorId: string;
  userId: string;
  projectId: string;
  createdAt: number;
  updatedAt: number;
}

export interface TokenRec {
  id: string;
  userId: string;
  projectId: string | null;
  roleIds: string[];
  methods: string[];
  issuedAt: number;
  expiresAt: number;
  auditId: string;
  applicationCredentialId?: string;
}

export interface Endpoints {
  identity: string;
  compute: string;
  image: string;
  placement: string;
}

/** The whole simulated cloud: one mutable in-memory model shared by every endpoint. */
export interface CloudState {
  opts: ResolvedOptions;
  clock: SimClock;
  faults: SimFaults;
  timers: Timers;
  seed: SeedData;
  hosts: Map<string, HostRec>;
  services: ServiceRec[];
  servers: Map<string, ServerRec>;
  migrations: MigrationRec[];
  nextMigrationId: number;
  /** Instances with an evacuation in flight → the migration being worked on and its chosen destination. */
  evacuations: Map<string, { migrationId: number; dest: string | null }>;
  tokens: Map<string, TokenRec>;
  endpoints: Endpoints;
  requestLog: RequestLogEntry[];
  /** Host aggregates (GET /os-aggregates); an availability zone is one with availabilityZone set. */
  aggregates: SimAggregate[];
}

export interface SimAggregate {
  name: string;
  availabilityZone?: string | null;
  hosts: string[];
  metadata?: Record<string, string>;
}

export function bmcPassword(host: string): string {
  return `bmc-${host}-secret`;
}

export const BMC_USERNAME = 'root';
export const BMC_SYSTEM_ID = 'System.Embedded.1';

// eslint-disable-next-line max-lines-per-function -- test double: the simulated cloud’s state and its mutators in one closure
export function createState(args: {
  opts: ResolvedOptions;
  clock: SimClock;
  faults: SimFaults;
  timers: Timers;
  seed: SeedData;
}): CloudState {
  const { opts, clock, seed } = args;
  const start = clock.now();
  const hosts = new Map<string, HostRec>();
  opts.hosts.forEach((name, i) => {
    // Stagger the heartbeat phases so the hosts do not all report in the same millisecond (unless asked).
    const phase = opts.heartbeatsInPhase ? 0 : Math.floor((i * opts.reportIntervalMs) / opts.hosts.length);
    const runningSince = start - phase;
    hosts.set(name, {
      name,
      power: 'On',
      powerGeneration: 0,
      computeRunning: true,
      runningSince,
      frozenLastSeenUp: runningSince,
      pendingCleanup: new Set(),
      queuedCasts: [],
      osRunning: true,
      bmc: { username: BMC_USERNAME, password: bmcPassword(name), systemId: BMC_SYSTEM_ID, sessions: new Map() },
    });
  });

  const week = 7 * 24 * 3_600_000;
  const control = (binary: ServiceRec['binary'], numericId: number): ServiceRec => ({
    uuid: uuidFrom(`service:${binary}:controller`),
    numericId,
    binary,
    host: 'controller',
    zone: 'internal',
    disabled: false,
    disabledReason: null,
    forcedDown: false,
    createdAt: start - week,
    editedAt: start - week,
  });
  const services: ServiceRec[] = [
    control('nova-scheduler', 1),
    control('nova-conductor', 2),
    ...opts.hosts.map(
      (host, i): ServiceRec => ({
        uuid: uuidFrom(`service:nova-compute:${host}`),
        numericId: i + 3,
        binary: 'nova-compute',
        host,
        zone: 'nova',
        disabled: false,
        disabledReason: null,
        forcedDown: false,
        createdAt: start - week,
        editedAt: start - week,
      }),
    ),
  ];

  const servers = new Map<string, ServerRec>();
  seed.servers.forEach((s, i) => {
    const createdAt = start - s.createdAgoMs;
    servers.set(s.id, {
      id: s.id,
      name: s.name,
      projectId: s.projectId,
      userId: s.userId,
      host: s.host,
      node: s.host,
      flavorId: s.flavorId,
      imageId: s.imageId,
      vmState: s.vmState,
      taskState: s.taskState,
      powerState: s.vmState === 'active' && s.launched ? 1 : s.vmState === 'stopped' ? 4 : 0,
      launchedAt: s.launched ? createdAt + 40_000 : null,
      createdAt,
      updatedAt: createdAt + 41_000,
      metadata: { ...s.metadata },
      fault: s.fault ? { ...s.fault, created: createdAt + 30_000 } : null,
      seq: i + 1,
      lockedBy: null,
      lockedReason: null,
    });
  });

  return {
    opts,
    clock,
    faults: args.faults,
    timers: args.timers,
    seed,
    hosts,
    services,
    servers,
    migrations: [],
    nextMigrationId: 1,
    evacuations: new Map(),
    tokens: new Map(),
    endpoints: { identity: '', compute: '', image: '', placement: '' },
    requestLog: [],
    aggregates: [],
  };
}

export function getHost(state: CloudState, host: string): HostRec {
  const rec = state.hosts.get(host);
  if (!rec) throw new Error(`sim: unknown host ${JSON.stringify(host)} (hosts: ${[...state.hosts.keys()].join(', ')})`);
  return rec;
}

export function computeService(state: CloudState, host: string): ServiceRec | undefined {
  return state.services.find((s) => s.binary === 'nova-compute' && s.host === host);
}

/**
 * A compute host's availability zone as Nova reports it in os-services (`zone`): that of an
 * aggregate holding it with `availability_zone` set, else `default_availability_zone` (`nova`).
 */
export function availabilityZoneOf(state: CloudState, host: string): string {
  return state.aggregates.find((a) => a.availabilityZone && a.hosts.includes(host))?.availabilityZone ?? 'nova';
}
