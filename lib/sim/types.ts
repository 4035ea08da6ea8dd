import type { SeedData } from './seed.js';
import type { SimAggregate } from './state.js';
import type { SimPlacement } from './placement/service.js';
export type { SimAggregate };

/** Which simulated endpoint answered a request (the request log's `service`). */
export type SimServiceName = 'keystone' | 'nova' | 'glance' | 'redfish' | 'prometheus' | 'placement';

/** Redfish `PowerState` values the simulated BMCs report. */
export type RedfishPowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff';

export interface RequestLogEntry {
  service: SimServiceName;
  method: string;
  /** Path with its query string, as the client sent it. */
  path: string;
  /** HTTP status; 0 when no answer was sent (hung or reset on purpose). */
  status: number;
  /** Nova only: the negotiated microversion, e.g. "2.53". */
  microversion?: string;
  /** Redfish only: the compute host this BMC belongs to. */
  host?: string;
  /** Nova only, for writes: the request body as sent, so tests can check what was asked and in what order. */
  body?: string;
}

/** Per-BMC misbehaviour, read on every request. */
export interface BmcFaults {
  /** Answer 204 to ForceOff/GracefulShutdown but stay On (a BMC that lies). */
  ignorePowerOff: boolean;
  /** Destroy every connection (the BMC network is down). */
  unreachable: boolean;
  /** Refuse every credential with 401 (password rotated on the BMC). */
  badCredentials: boolean;
  /** Vendor quirk: answer this status to ForceOff when the system is already Off. */
  alreadyOffStatus?: 400 | 409;
  /** Refuse every Reset while the system is not Off, with this status and an ExtendedInfo message. */
  refuseResetStatus?: 400 | 409;
  /** Drop every session token at the next request (session timeout, BMC reboot); then cleared. */
  expireSessions?: boolean;
  /**
   * Answer every request with a 307: `same-origin` to the same path under /r (served there),
   * `other-origin` to the same path on another origin (never served).
   */
  redirect?: 'same-origin' | 'other-origin';
}

/** Mutable knobs: tests flip them while the sim runs; every request reads them afresh. */
export interface SimFaults {
  /** Extra delay before every answer, all APIs (Keystone, Nova, Glance, Redfish). */
  latencyMs: number;
  nova: {
    /** The next N matching Nova requests fail with `status` before reaching Nova. */
    failNext: number;
    /** Status of those failures: 500 gives Nova's computeFault JSON, 502-504 a proxy's HTML page. Default 503. */
    status: number;
    /** Only requests whose path (with query) matches count for failNext / timeoutNext / loseResponseNext. */
    failPaths?: RegExp;
    /** The next N matching requests hang until the client gives up (never processed). */
    timeoutNext: number;
    /** The next N matching requests ARE processed, then the answer is lost (the connection hangs). */
    loseResponseNext: number;
  };
  keystone: {
    /** Every Keystone connection is reset (Nova and Glance keep validating tokens they know). */
    down: boolean;
    /** The next N Keystone requests answer `status`. */
    failNext: number;
    /** Default 503. */
    status: number;
  };
  /** Instances the scheduler finds no host for (a set of ids, or a predicate). */
  noValidHostFor: Set<string> | ((instanceId: string) => boolean);
  /** Keyed by compute host name; one entry per host exists from the start. */
  bmc: Record<string, BmcFaults>;
  /**
   * The embedded Prometheus API: `ok`, `down` (connections reset), `html` (a login page),
   * `error` (status:error), `no-series` (empty vector), `non-numeric` (a value of "abc").
   */
  prometheus: { mode: 'ok' | 'down' | 'html' | 'error' | 'no-series' | 'non-numeric' };
  /** Hosts whose network is cut from the watcher (second signal dark) while they keep running. */
  dark: Set<string>;
  /** Placement: `ok`, `down` (connections reset), `non-numeric` (an inventory total that is a string). */
  placement: { mode: 'ok' | 'down' | 'non-numeric' };
}

export interface SimOptions {
  /** Number of compute hosts (compute-1..compute-N) or their exact names. Default 6. */
  hosts?: number | string[];
  /** Identity, flavors, images and servers; default: `defaultSeed(hosts)`. */
  seed?: SeedData | ((hosts: readonly string[]) => SeedData);
  /** nova-compute heartbeat period (Nova's report_interval). Default 1000. */
  reportIntervalMs?: number;
  /**
   * Every compute heartbeats in the same millisecond, as computes started together do (the e2e
   * bed's): the freshest heartbeat then stands still for a whole report interval. Default false
   * (phases spread over the interval).
   */
  heartbeatsInPhase?: boolean;
  /** A heartbeat older than this makes the service `down` (Nova's service_down_time). Default 6000. */
  serviceDownTimeMs?: number;
  /** Time an evacuation takes from the API call to the instance running on the destination. Default 1500. */
  rebuildMs?: number;
  /**
   * Real Nova shows the instance ACTIVE (task_state null) on the OLD host for ~0.5-1 s before the
   * host and the migration's `done` are written (FACTS rule 5). Default 0: no such window.
   */
  evacuationFinishLagMs?: number;
  /** Keystone token lifetime. Default 1 h. */
  tokenTtlMs?: number;
  /** The cloud's clock minus ours: Date headers and every timestamp follow the sim clock. Default 0. */
  clockSkewMs?: number;
  /** Send a Date header (Glance does; Debian's uwsgi-served nova-api, Keystone and Placement do not). Default true. */
  dateHeader?: boolean;
  /** Highest compute microversion. Default "2.93" (Nova 26, Zed). */
  maxMicroversion?: string;
  /** Scheduler capacity: most instances one host takes. Default 10. */
  maxInstancesPerHost?: number;
  /** Whether instance disks live on shared storage (decides the onSharedStorage check below 2.14). Default false. */
  sharedStorage?: boolean;
  /** Power On to nova-compute running again (boot time). Default 1000. */
  hostBootMs?: number;
  /**
   * How long a synchronous RPC to a dead-but-still-"up" nova-compute hangs (disabling a service that
   * is up makes one; Nova's rpc_response_timeout). Default 60000.
   */
  rpcTimeoutMs?: number;
  redfish?: {
    /** Time in PoweringOff after ForceOff/GracefulShutdown. Default 300. */
    powerOffDelayMs?: number;
    /** Time in PoweringOn after On. Default 300. */
    powerOnDelayMs?: number;
    /** Serve the BMCs over HTTPS with this PEM key pair. */
    tls?: { key: string | Buffer; cert: string | Buffer };
  };
}

export interface BmcAccess {
  url: string;
  username: string;
  password: string;
  systemId: string;
}

export interface AdminCredentials {
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  /** The same user, project and domain by id (Keystone accepts either). */
  userId: string;
  projectId: string;
  domainId: string;
  applicationCredentialId: string;
  applicationCredentialSecret: string;
}

export interface ServiceSnapshot {
  id: string;
  numericId: number;
  binary: string;
  host: string;
  zone: string;
  status: 'enabled' | 'disabled';
  state: 'up' | 'down';
  forcedDown: boolean;
  disabledReason: string | null;
  /** ISO time of the last heartbeat (sim clock, ms precision). */
  lastHeartbeatAt: string;
  /** nova-compute process running (compute services only). */
  running: boolean;
  /** BMC power state (compute services only). */
  power?: RedfishPowerState;
  /** Instances evacuated away whose leftovers the source has not cleaned up yet. */
  pendingCleanup: string[];
}

export interface ServerSnapshot {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  host: string | null;
  status: string;
  vmState: string;
  taskState: string | null;
  powerState: number;
  launchedAt: string | null;
  flavorId: string;
  imageId: string | null;
  metadata: Record<string, string>;
  fault: { code: number; message: string } | null;
  locked: boolean;
  /** Nova's locked_by: "owner" when the project locked it, "admin" otherwise. */
  lockedBy: 'owner' | 'admin' | null;
  lockedReason: string | null;
}

export interface MigrationSnapshot {
  id: number;
  uuid: string;
  instanceUuid: string;
  migrationType: string;
  sourceCompute: string;
  destCompute: string | null;
  status: string;
  createdAt: string;
  updatedAt: string;
}

export interface SimSnapshot {
  services: ServiceSnapshot[];
  servers: ServerSnapshot[];
  migrations: MigrationSnapshot[];
}

export interface SimCloud {
  /** Keystone v3, e.g. http://127.0.0.1:PORT/v3 */
  authUrl: string;
  regionName: 'RegionOne';
  /** Catalog URLs, for tests that skip the catalog. */
  endpoints: { identity: string; compute: string; image: string; placement: string };
  admin: AdminCredentials;
  hosts: string[];
  bmc(host: string): BmcAccess;
  /** The host dies: nova-compute stops heartbeating and the OS stops answering (second signal dark); its BMC still answers and reads On. */
  crashHost(host: string): void;
  /** Only nova-compute stops (hung, or cut from RabbitMQ): the host still answers the second signal. */
  stopNovaCompute(host: string): void;
  /** The embedded Prometheus API (GET /api/v1/query): `up{instance="<host>:9100",job="node"}` per compute. */
  prometheusUrl: string;
  /** The Placement API's data: each compute node's inventories (usages follow the servers placed). */
  placement: SimPlacement;
  /** Replace the host aggregates Nova lists (GET /os-aggregates). */
  setAggregates(aggregates: SimAggregate[]): void;
  /** Power On (if off) and start nova-compute: it cleans up evacuated instances, then heartbeats. */
  restartHost(host: string): void;
  powerState(host: string): RedfishPowerState;
  /** The sim clock (ms since epoch): our clock plus clockSkewMs. */
  now(): number;
  faults: SimFaults;
  snapshot(): SimSnapshot;
  requestLog: RequestLogEntry[];
  stop(): Promise<void>;
}
