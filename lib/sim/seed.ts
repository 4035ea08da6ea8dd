import { hexIdFrom, uuidFrom } from './ids.js';

/**
 * What the simulated cloud starts with. Plain data, so a test can take `defaultSeed(hosts)`,
 * change a few entries and pass it back through `SimOptions.seed`.
 */
export interface SeedData {
  domain: { id: string; name: string };
  roles: Array<{
    id: string;
    name: string;
    /** Roles this one implies (Keystone's default admin → member → reader chain). */ implies: string[];
  }>;
  projects: Array<{ id: string; name: string; description: string }>;
  users: Array<{
    id: string;
    name: string;
    /** Optional in Keystone: absent means the user has no email attribute at all. */
    email?: string;
    enabled: boolean;
    defaultProjectId?: string;
    password: string;
  }>;
  groups: Array<{ id: string; name: string; userIds: string[] }>;
  /** Direct assignments on projects, to a user or a group. */
  assignments: Array<{ roleId: string; projectId: string; userId?: string; groupId?: string }>;
  applicationCredentials: Array<{
    id: string;
    name: string;
    secret: string;
    userId: string;
    projectId: string;
    roleIds: string[];
  }>;
  flavors: Array<{
    id: string;
    name: string;
    vcpus: number;
    ram: number;
    disk: number;
    ephemeral: number;
    swap: number;
    extraSpecs: Record<string, string>;
  }>;
  images: Array<{
    id: string;
    name: string;
    properties: Record<string, string>;
    sizeBytes: number;
    minDisk: number;
    /** Glance image tags (GET /v2/images/{id} → `tags`). */
    tags?: string[];
  }>;
  servers: SeedServer[];
  /** Which user/project/app credential the sim hands out as `SimCloud.admin`. */
  admin: { userId: string; projectId: string; applicationCredentialId: string };
}

export interface SeedServer {
  id: string;
  name: string;
  projectId: string;
  userId: string;
  /** null: never scheduled. */
  host: string | null;
  flavorId: string;
  imageId: string | null;
  vmState: 'active' | 'stopped' | 'error' | 'building';
  taskState: string | null;
  /** false: never launched (launched_at null), which makes it not evacuable. */
  launched: boolean;
  metadata: Record<string, string>;
  /** How long before the sim started it was created. */
  createdAgoMs: number;
  fault?: { code: number; message: string };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Evacuation priority metadata key the default config reads (EvacuableSchema.priorityMetadataKey). */
export const PRIORITY_KEY = 'freezer-dr:priority';

/**
 * ~20 instances over 4 projects; the first host gets 6 of every kind the planner must handle:
 * active with and without priority, stopped, a flavor without `evacuable=true`, an image with
 * `evacuable=false`, and one that never launched. Host names come from `hosts` by position.
 */
// eslint-disable-next-line max-lines-per-function -- test data: the demo cloud’s projects, users, flavors, images and servers as one literal
export function defaultSeed(hosts: readonly string[]): SeedData {
  const host = (i: number): string => hosts[i % hosts.length]!;
  const role = (name: string) => hexIdFrom(`role:${name}`);
  const project = (name: string) => hexIdFrom(`project:${name}`);
  const user = (name: string) => hexIdFrom(`user:${name}`);
  const flavor = { small: '1', medium: '2', large: '3', burst: '4', gpu: '5' } as const;
  const image = {
    cirros: uuidFrom('image:cirros'),
    debian: uuidFrom('image:debian-12'),
    ubuntu: uuidFrom('image:ubuntu-22.04'),
    windows: uuidFrom('image:windows-2022'),
  };
  const P = {
    admin: project('admin'),
    shop: project('shop-frontend'),
    data: project('data-platform'),
    ci: project('ci-runners'),
    research: project('research'),
  };
  const U = {
    admin: user('admin'),
    alice: user('alice'),
    bob: user('bob'),
    carol: user('carol'),
    dave: user('dave'),
    erin: user('erin'),
    frank: user('frank'),
    grace: user('grace'),
    heidi: user('heidi'),
    ivan: user('ivan'),
  };
  const R = { admin: role('admin'), member: role('member'), reader: role('reader') };

  let n = 0;
  const server = (
    name: string,
    projectId: string,
    userId: string,
    hostIndex: number,
    flavorId: string,
    imageId: string | null,
    extra: Partial<Omit<SeedServer, 'id' | 'name' | 'projectId' | 'userId' | 'host' | 'flavorId' | 'imageId'>> = {},
  ): SeedServer => ({
    id: uuidFrom(`server:${name}`),
    name,
    projectId,
    userId,
    host: host(hostIndex),
    flavorId,
    imageId,
    vmState: 'active',
    taskState: null,
    launched: true,
    metadata: {},
    createdAgoMs: 30 * DAY - n++ * 7 * HOUR,
    ...extra,
  });

  return {
    domain: { id: 'default', name: 'Default' },
    roles: [
      { id: R.admin, name: 'admin', implies: [R.member] },
      { id: R.member, name: 'member', implies: [R.reader] },
      { id: R.reader, name: 'reader', implies: [] },
    ],
    projects: [
      { id: P.admin, name: 'admin', description: 'Bootstrap project for initializing the cloud.' },
      { id: P.shop, name: 'shop-frontend', description: 'Web shop' },
      { id: P.data, name: 'data-platform', description: 'Kafka and ETL' },
      { id: P.ci, name: 'ci-runners', description: 'Build farm' },
      { id: P.research, name: 'research', description: 'Notebooks and GPU jobs' },
    ],
    users: [
      {
        id: U.admin,
        name: 'admin',
        email: 'cloud-admins@example.org',
        enabled: true,
        defaultProjectId: P.admin,
        password: 'sim-admin-password',
      },
      {
        id: U.alice,
        name: 'alice',
        email: 'alice@shop.example',
        enabled: true,
        defaultProjectId: P.shop,
        password: 'alice-password',
      },
      // A member of shop-frontend whose default project is another one: members are found by role assignment.
      {
        id: U.bob,
        name: 'bob',
        email: 'bob@shop.example',
        enabled: true,
        defaultProjectId: P.data,
        password: 'bob-password',
      },
      { id: U.carol, name: 'carol', enabled: true, defaultProjectId: P.shop, password: 'carol-password' },
      { id: U.dave, name: 'dave', email: 'dave@data.example', enabled: true, password: 'dave-password' },
      {
        id: U.erin,
        name: 'erin',
        email: 'erin@data.example',
        enabled: true,
        defaultProjectId: P.research,
        password: 'erin-password',
      },
      { id: U.frank, name: 'frank', enabled: true, defaultProjectId: P.ci, password: 'frank-password' },
      // Default project shop-frontend, but no role there: never a shop-frontend member.
      {
        id: U.grace,
        name: 'grace',
        email: 'grace@research.example',
        enabled: true,
        defaultProjectId: P.shop,
        password: 'grace-password',
      },
      {
        id: U.heidi,
        name: 'heidi',
        email: 'heidi@ci.example',
        enabled: true,
        defaultProjectId: P.ci,
        password: 'heidi-password',
      },
      {
        id: U.ivan,
        name: 'ivan',
        email: 'ivan@research.example',
        enabled: false,
        defaultProjectId: P.research,
        password: 'ivan-password',
      },
    ],
    groups: [{ id: hexIdFrom('group:data-team'), name: 'data-team', userIds: [U.dave, U.erin] }],
    assignments: [
      ...[P.admin, P.shop, P.data, P.ci, P.research].map((projectId) => ({
        roleId: R.admin,
        projectId,
        userId: U.admin,
      })),
      { roleId: R.member, projectId: P.shop, userId: U.alice },
      { roleId: R.reader, projectId: P.shop, userId: U.bob },
      { roleId: R.member, projectId: P.shop, userId: U.carol },
      { roleId: R.member, projectId: P.data, groupId: hexIdFrom('group:data-team') },
      { roleId: R.reader, projectId: P.data, userId: U.bob },
      { roleId: R.member, projectId: P.ci, userId: U.frank },
      { roleId: R.reader, projectId: P.ci, userId: U.heidi },
      { roleId: R.member, projectId: P.research, userId: U.grace },
      { roleId: R.member, projectId: P.research, userId: U.ivan },
    ],
    applicationCredentials: [
      {
        id: hexIdFrom('appcred:freezer-dr'),
        name: 'freezer-dr',
        secret: 'sim-application-credential-secret',
        userId: U.admin,
        projectId: P.admin,
        roleIds: [R.admin],
      },
    ],
    flavors: [
      {
        id: flavor.small,
        name: 'm1.small',
        vcpus: 1,
        ram: 2048,
        disk: 20,
        ephemeral: 0,
        swap: 0,
        extraSpecs: { evacuable: 'true' },
      },
      {
        id: flavor.medium,
        name: 'm1.medium',
        vcpus: 2,
        ram: 4096,
        disk: 40,
        ephemeral: 0,
        swap: 0,
        extraSpecs: { evacuable: 'true', 'hw:cpu_policy': 'shared' },
      },
      {
        id: flavor.large,
        name: 'm1.large',
        vcpus: 4,
        ram: 8192,
        disk: 80,
        ephemeral: 0,
        swap: 1024,
        extraSpecs: { evacuable: 'true', 'hw:mem_page_size': 'large' },
      },
      // Cattle: CI runners are rebuilt, never evacuated — no evacuable spec.
      {
        id: flavor.burst,
        name: 'c1.burst',
        vcpus: 2,
        ram: 2048,
        disk: 10,
        ephemeral: 10,
        swap: 0,
        extraSpecs: { 'quota:cpu_shares': '512' },
      },
      {
        id: flavor.gpu,
        name: 'g1.gpu',
        vcpus: 8,
        ram: 32768,
        disk: 100,
        ephemeral: 0,
        swap: 0,
        extraSpecs: { evacuable: 'true', 'pci_passthrough:alias': 'a100:1' },
      },
    ],
    images: [
      { id: image.cirros, name: 'cirros-0.6.2', properties: {}, sizeBytes: 21_430_272, minDisk: 0 },
      {
        id: image.debian,
        name: 'debian-12',
        properties: { os_distro: 'debian', os_version: '12', hw_disk_bus: 'virtio' },
        sizeBytes: 348_127_232,
        minDisk: 2,
      },
      {
        id: image.ubuntu,
        name: 'ubuntu-22.04',
        properties: { os_distro: 'ubuntu', os_version: '22.04', evacuable: 'true' },
        sizeBytes: 663_552_000,
        minDisk: 3,
      },
      {
        id: image.windows,
        name: 'windows-2022',
        properties: { os_type: 'windows', evacuable: 'false' },
        sizeBytes: 9_663_676_416,
        minDisk: 40,
      },
    ],
    servers: [
      // host 0 (compute-1): the demo's victim.
      server('shop-web-1', P.shop, U.alice, 0, flavor.small, image.debian, {
        metadata: { [PRIORITY_KEY]: '10', tier: 'web' },
      }),
      server('shop-db-1', P.shop, U.alice, 0, flavor.large, image.debian, {
        metadata: { [PRIORITY_KEY]: '100', tier: 'db', 'freezer-dr:evacuable': 'true' },
      }),
      server('data-etl-1', P.data, U.dave, 0, flavor.medium, image.ubuntu, { vmState: 'stopped' }),
      server('ci-runner-1', P.ci, U.frank, 0, flavor.burst, image.cirros),
      server('research-win-1', P.research, U.grace, 0, flavor.medium, image.windows, {
        metadata: { [PRIORITY_KEY]: '5' },
      }),
      server('research-nb-1', P.research, U.grace, 0, flavor.small, image.ubuntu, {
        vmState: 'error',
        launched: false,
        fault: {
          code: 500,
          message: 'Build of instance aborted: Failed to allocate the network(s), not rescheduling.',
        },
      }),
      // host 1
      server('shop-web-2', P.shop, U.carol, 1, flavor.small, image.debian, {
        metadata: { [PRIORITY_KEY]: '10', tier: 'web' },
      }),
      server('data-kafka-1', P.data, U.erin, 1, flavor.large, image.ubuntu, {
        metadata: { [PRIORITY_KEY]: '50', 'freezer-dr:evacuable': 'true' },
      }),
      server('ci-runner-2', P.ci, U.frank, 1, flavor.burst, image.cirros),
      server('research-gpu-1', P.research, U.grace, 1, flavor.gpu, image.ubuntu, {
        vmState: 'building',
        taskState: 'spawning',
        launched: false,
      }),
      // host 2
      server('shop-web-3', P.shop, U.alice, 2, flavor.small, image.debian, {
        metadata: { [PRIORITY_KEY]: '10', tier: 'web' },
      }),
      server('data-kafka-2', P.data, U.erin, 2, flavor.large, image.ubuntu, { metadata: { [PRIORITY_KEY]: '50' } }),
      server('ci-runner-3', P.ci, U.frank, 2, flavor.burst, image.cirros),
      // host 3
      server('shop-cache-1', P.shop, U.carol, 3, flavor.medium, image.debian, { vmState: 'stopped' }),
      server('data-etl-2', P.data, U.dave, 3, flavor.medium, image.ubuntu),
      // host 4
      server('research-nb-2', P.research, U.grace, 4, flavor.small, image.ubuntu),
      server('data-kafka-3', P.data, U.erin, 4, flavor.large, image.ubuntu, { metadata: { [PRIORITY_KEY]: '50' } }),
      // host 5
      server('ci-runner-4', P.ci, U.frank, 5, flavor.burst, image.cirros),
      server('shop-db-2', P.shop, U.alice, 5, flavor.large, image.debian, {
        metadata: { [PRIORITY_KEY]: '100', tier: 'db' },
      }),
      server('research-nb-3', P.research, U.grace, 5, flavor.small, null, { metadata: { note: 'boot from volume' } }),
    ],
    admin: { userId: U.admin, projectId: P.admin, applicationCredentialId: hexIdFrom('appcred:freezer-dr') },
  };
}
