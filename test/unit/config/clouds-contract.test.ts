/**
 * Contract: freezer-dr reads clouds.yaml, secure.yaml and OS_* variables the way openstacksdk's
 * configuration documentation describes them. Fixtures (our own, modelled on the SDK's examples)
 * are in test/fixtures/clouds/. Each case resolves a cloud and checks the settings, the Keystone
 * token request they produce, or the error — which must name what the user wrote.
 */
import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import {
  ConfigFileError,
  ConfigInvalidError,
  ConfigNotFoundError,
  parseConfig,
  resolveCloud,
  withOsCloud,
  type ResolvedCloud,
} from '../../../lib/config/index.js';
import type { HttpClient } from '../../../lib/openstack/http.js';
import { issueToken } from '../../../lib/openstack/keystone/tokens.js';
import { createSession } from '../../../lib/openstack/session.js';

const FIX = 'test/fixtures/clouds';
const SITE = join(FIX, 'site/clouds.yaml');
/** A HOME without any clouds.yaml, so the machine's own files never leak into a case. */
const NO_HOME = { HOME: join(FIX, 'no-such-home') };

interface Case {
  name: string;
  /** freezer-dr.yaml's `cloud` section. */
  cloud: Record<string, unknown>;
  env?: Record<string, string>;
  /** --os-cloud NAME */
  osCloud?: string;
  expect?: Record<string, unknown>;
  /** The `auth` object of POST /v3/auth/tokens. */
  keystone?: Record<string, unknown>;
  error?: [new (...a: never[]) => Error, RegExp];
}

const site = (name?: string) => ({ from: 'clouds-yaml', file: SITE, ...(name ? { name } : {}) });
const envCreds = {
  OS_AUTH_URL: 'https://keystone.env.test/v3',
  OS_USERNAME: 'env-user',
  OS_PASSWORD: 'env-password',
  OS_PROJECT_NAME: 'env-project',
};

const SELECTION: Case[] = [
  {
    name: 'OS_CLOUD names the cloud when the config does not',
    cloud: site(),
    env: { OS_CLOUD: 'by-name' },
    expect: { authUrl: 'https://keystone.example.test:5000/v3', auth: { username: 'ha-operator' } },
  },
  {
    name: 'from: env with OS_CLOUD reads clouds.yaml (OS_CLIENT_CONFIG_FILE) and ignores OS_USERNAME',
    cloud: { from: 'env' },
    env: { OS_CLOUD: 'appcred', OS_CLIENT_CONFIG_FILE: SITE, OS_USERNAME: 'ignored' },
    expect: { auth: { type: 'application-credential', applicationCredentialId: '21dced0fd20347869b93710d2b98aae0' } },
  },
  {
    name: "the config's cloud.name wins over OS_CLOUD",
    cloud: site('appcred'),
    env: { OS_CLOUD: 'by-name' },
    expect: { auth: { type: 'application-credential' } },
  },
  {
    name: '--os-cloud wins over cloud.name and OS_CLOUD',
    cloud: site('appcred'),
    env: { OS_CLOUD: 'by-name' },
    osCloud: 'by-id',
    expect: { auth: { type: 'password', userId: '5f0c1d2e3a4b' } },
  },
  {
    name: '--os-cloud replaces an inline cloud (OS_CLIENT_CONFIG_FILE finds the file)',
    cloud: {
      from: 'inline',
      authUrl: 'https://inline.test/v3',
      auth: { type: 'password', username: 'u', password: 'env:PW', projectName: 'p' },
    },
    env: { OS_CLIENT_CONFIG_FILE: SITE },
    osCloud: 'split',
    expect: { authUrl: 'https://keystone.example.test:5000/v3', auth: { username: 'api-ha' } },
  },
  {
    name: 'no OS_CLOUD: from env reads the OS_* variables',
    cloud: { from: 'env' },
    env: envCreds,
    expect: { authUrl: 'https://keystone.env.test/v3', auth: { username: 'env-user', projectName: 'env-project' } },
  },
  {
    name: 'the search path: ~/.config/openstack/clouds.yaml with its secure.yaml',
    cloud: { from: 'clouds-yaml', name: 'home-cloud' },
    env: { HOME: join(FIX, 'home') },
    expect: { regionName: 'HomeRegion', auth: { username: 'home-user', password: 'home-password-from-secure-yaml' } },
  },
  {
    name: 'OS_CLIENT_CONFIG_FILE comes before the search path',
    cloud: { from: 'clouds-yaml', name: 'split' },
    env: { HOME: join(FIX, 'home'), OS_CLIENT_CONFIG_FILE: SITE },
    expect: { auth: { username: 'api-ha' } },
  },
];

const SECURE_YAML: Case[] = [
  {
    name: 'secure.yaml supplies the password; clouds.yaml the rest',
    cloud: site('split'),
    expect: {
      regionName: 'RegionOne',
      auth: { username: 'api-ha', projectName: 'ha-project', password: 'split-password-from-secure-yaml' },
    },
  },
  {
    name: 'secure.yaml overrides a clouds.yaml value and keeps its siblings',
    cloud: site('by-name'),
    expect: { regionName: 'RegionThree', auth: { password: 'by-name-password', projectName: 'ops' } },
  },
  {
    name: 'OS_CLIENT_SECURE_FILE names the secure.yaml',
    cloud: { from: 'clouds-yaml', name: 'home-cloud', file: join(FIX, 'home/.config/openstack/clouds.yaml') },
    env: { OS_CLIENT_SECURE_FILE: join(FIX, 'home/.config/openstack/secure.yaml') },
    expect: { auth: { password: 'home-password-from-secure-yaml' } },
  },
];

const IDS_AND_NAMES: Case[] = [
  {
    name: 'names: the user and the project each by name in a named domain',
    cloud: site('by-name'),
    keystone: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'ha-operator', domain: { name: 'Users' }, password: 'by-name-password' } },
      },
      scope: { project: { name: 'ops', domain: { name: 'Projects' } } },
    },
  },
  {
    name: 'ids: user_id and project_id (a bare YAML number) are sent as ids, without domains',
    cloud: site('by-id'),
    expect: { auth: { projectId: '610275' } },
    keystone: {
      identity: { methods: ['password'], password: { user: { id: '5f0c1d2e3a4b', password: 'by-id-password' } } },
      scope: { project: { id: '610275' } },
    },
  },
  {
    name: 'user_domain_id / project_domain_id: the domains by id',
    cloud: site('domain-ids'),
    keystone: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'ha-operator', domain: { id: 'd-users' }, password: 'domain-ids-password' } },
      },
      scope: { project: { name: 'ops', domain: { id: 'd-projects' } } },
    },
  },
  {
    name: 'domain_id applies to both the user and the project',
    cloud: site('one-domain'),
    keystone: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'ha-operator', domain: { id: 'default' }, password: 'one-domain-password' } },
      },
      scope: { project: { name: 'ops', domain: { id: 'default' } } },
    },
  },
  {
    name: 'OS_PROJECT_ID and OS_USER_DOMAIN_ID from the environment',
    cloud: { from: 'env' },
    env: {
      OS_AUTH_URL: 'https://keystone.env.test/v3',
      OS_USERNAME: 'env-user',
      OS_PASSWORD: 'env-password',
      OS_USER_DOMAIN_ID: 'd-env',
      OS_PROJECT_ID: 'p-0123',
    },
    keystone: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'env-user', domain: { id: 'd-env' }, password: 'env-password' } },
      },
      scope: { project: { id: 'p-0123' } },
    },
  },
  {
    name: 'OS_PROJECT_DOMAIN_NAME / OS_USER_DOMAIN_NAME from the environment',
    cloud: { from: 'env' },
    env: { ...envCreds, OS_USER_DOMAIN_NAME: 'EnvUsers', OS_PROJECT_DOMAIN_NAME: 'EnvProjects' },
    keystone: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'env-user', domain: { name: 'EnvUsers' }, password: 'env-password' } },
      },
      scope: { project: { name: 'env-project', domain: { name: 'EnvProjects' } } },
    },
  },
  {
    name: 'no domain at all: the "Default" domain by name (as before)',
    cloud: { from: 'env' },
    env: envCreds,
    keystone: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'env-user', domain: { name: 'Default' }, password: 'env-password' } },
      },
      scope: { project: { name: 'env-project', domain: { name: 'Default' } } },
    },
  },
  {
    name: 'inline: projectId and userDomainId in freezer-dr.yaml',
    cloud: {
      from: 'inline',
      authUrl: 'https://inline.test/v3',
      auth: {
        type: 'password',
        username: 'u',
        userDomainId: 'dom-1',
        password: 'env:FDR_CONTRACT_PW',
        projectId: 'p-9',
      },
    },
    env: { FDR_CONTRACT_PW: 'inline-password' },
    keystone: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'u', domain: { id: 'dom-1' }, password: 'inline-password' } },
      },
      scope: { project: { id: 'p-9' } },
    },
  },
  {
    name: 'an application credential asks for no scope',
    cloud: site('appcred'),
    keystone: {
      identity: {
        methods: ['application_credential'],
        application_credential: { id: '21dced0fd20347869b93710d2b98aae0', secret: 'appcred-secret-value' },
      },
    },
  },
];

const REGION_INTERFACE_TLS: Case[] = [
  { name: 'interface: internal', cloud: site('internal'), expect: { interface: 'internal' } },
  {
    name: 'endpoint_type: adminURL (older spelling)',
    cloud: site('legacy-endpoint-type'),
    expect: { interface: 'admin' },
  },
  { name: 'default interface: public', cloud: site('by-name'), expect: { interface: 'public' } },
  {
    name: 'OS_INTERFACE and OS_REGION_NAME apply over clouds.yaml',
    cloud: site('by-name'),
    env: { OS_INTERFACE: 'internal', OS_REGION_NAME: 'RegionEnv' },
    expect: { interface: 'internal', regionName: 'RegionEnv' },
  },
  {
    name: 'OS_ENDPOINT_TYPE=internalURL',
    cloud: { from: 'env' },
    env: { ...envCreds, OS_ENDPOINT_TYPE: 'internalURL' },
    expect: { interface: 'internal' },
  },
  {
    name: 'OS_INTERFACE wins over OS_ENDPOINT_TYPE',
    cloud: { from: 'env' },
    env: { ...envCreds, OS_ENDPOINT_TYPE: 'adminURL', OS_INTERFACE: 'public' },
    expect: { interface: 'public' },
  },
  {
    name: "freezer-dr.yaml's cloud.regionName / interface win over OS_*",
    cloud: { ...site('by-name'), regionName: 'RegionConfig', interface: 'admin' },
    env: { OS_INTERFACE: 'internal', OS_REGION_NAME: 'RegionEnv' },
    expect: { interface: 'admin', regionName: 'RegionConfig' },
  },
  {
    name: 'cacert, cert and key from clouds.yaml',
    cloud: site('client-tls'),
    expect: {
      caBundle: join(FIX, 'tls/ca.pem'),
      clientCert: join(FIX, 'tls/client.pem'),
      clientKey: join(FIX, 'tls/client.key'),
      insecure: false,
    },
  },
  {
    name: 'OS_CACERT, OS_CERT and OS_KEY',
    cloud: { from: 'env' },
    env: {
      ...envCreds,
      OS_CACERT: join(FIX, 'tls/ca.pem'),
      OS_CERT: join(FIX, 'tls/client.pem'),
      OS_KEY: join(FIX, 'tls/client.key'),
    },
    expect: {
      caBundle: join(FIX, 'tls/ca.pem'),
      clientCert: join(FIX, 'tls/client.pem'),
      clientKey: join(FIX, 'tls/client.key'),
    },
  },
  { name: 'verify: false turns verification off', cloud: site('self-signed-insecure'), expect: { insecure: true } },
];

const ERRORS: Case[] = [
  {
    name: 'clouds.yaml without a project names project_name / project_id',
    cloud: site('no-project'),
    error: [
      ConfigInvalidError,
      /cloud "no-project" of .*clouds\.yaml .*is invalid:\n {2}- auth\.project_name or auth\.project_id: missing/,
    ],
  },
  {
    name: 'clouds.yaml without auth_url',
    cloud: site('no-auth-url'),
    error: [ConfigInvalidError, /- auth\.auth_url: missing/],
  },
  {
    name: 'OS_* without a project names OS_PROJECT_NAME / OS_PROJECT_ID',
    cloud: { from: 'env' },
    env: { OS_AUTH_URL: 'https://k.test/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p' },
    error: [ConfigInvalidError, /OS_\* environment is invalid:\n {2}- OS_PROJECT_NAME or OS_PROJECT_ID: missing/],
  },
  {
    name: 'OS_* without a password or a user',
    cloud: { from: 'env' },
    env: { OS_AUTH_URL: 'https://k.test/v3', OS_PROJECT_ID: 'p' },
    error: [ConfigInvalidError, /- OS_USERNAME or OS_USER_ID: missing\n {2}- OS_PASSWORD: missing/],
  },
  {
    name: 'an application credential without its secret',
    cloud: { from: 'env' },
    env: {
      OS_AUTH_URL: 'https://k.test/v3',
      OS_AUTH_TYPE: 'v3applicationcredential',
      OS_APPLICATION_CREDENTIAL_ID: 'x',
    },
    error: [ConfigInvalidError, /- OS_APPLICATION_CREDENTIAL_SECRET: missing/],
  },
  {
    name: 'an auth_url that is not a URL, from OS_AUTH_URL',
    cloud: { from: 'env' },
    env: { ...envCreds, OS_AUTH_URL: 'keystone' },
    error: [ConfigInvalidError, /- OS_AUTH_URL: Invalid URL/],
  },
  {
    name: 'interface: private in clouds.yaml',
    cloud: site('bad-interface'),
    error: [ConfigInvalidError, /- interface: Invalid option: expected one of "public"\|"internal"\|"admin"/],
  },
  {
    name: 'OS_INTERFACE=private',
    cloud: { from: 'env' },
    env: { ...envCreds, OS_INTERFACE: 'private' },
    error: [ConfigInvalidError, /- OS_INTERFACE: Invalid option/],
  },
  {
    name: 'an unsupported auth_type',
    cloud: site('oidc'),
    error: [
      ConfigInvalidError,
      /- auth_type: "v3oidcpassword" is not supported: use password or v3applicationcredential/,
    ],
  },
  {
    name: 'a missing cacert file names the key, the cloud and the file',
    cloud: site('missing-cacert'),
    error: [
      ConfigFileError,
      /^cacert \(cloud "missing-cacert" of .*\): cannot read test\/fixtures\/clouds\/tls\/no-such-ca\.pem: no such file$/,
    ],
  },
  {
    name: 'a missing OS_CACERT file',
    cloud: { from: 'env' },
    env: { ...envCreds, OS_CACERT: '/nonexistent/ca.pem' },
    error: [ConfigFileError, /^OS_CACERT: cannot read \/nonexistent\/ca\.pem: no such file$/],
  },
  {
    name: 'a missing cloud.caBundle file (freezer-dr.yaml)',
    cloud: { from: 'env', caBundle: '/nonexistent/bundle.pem' },
    env: envCreds,
    error: [ConfigFileError, /^cloud\.caBundle: cannot read \/nonexistent\/bundle\.pem: no such file$/],
  },
  {
    name: 'a cacert that is a directory',
    cloud: { from: 'env' },
    env: { ...envCreds, OS_CACERT: FIX },
    error: [ConfigFileError, /^OS_CACERT: cannot read test\/fixtures\/clouds: it is a directory, not a file$/],
  },
  {
    name: 'OS_KEY without OS_CERT',
    cloud: { from: 'env' },
    env: { ...envCreds, OS_KEY: join(FIX, 'tls/client.key') },
    error: [ConfigInvalidError, /- OS_KEY: set without a client certificate/],
  },
  {
    name: 'a cloud the file does not have lists the ones it has',
    cloud: site('nope'),
    error: [ConfigInvalidError, /clouds\.nope: no such cloud in this file \(it has: by-name, by-id, domain-ids, /],
  },
  {
    name: 'OS_CLOUD naming a cloud nobody has',
    cloud: { from: 'env' },
    env: { OS_CLOUD: 'ghost', OS_CLIENT_CONFIG_FILE: SITE },
    error: [ConfigInvalidError, /clouds\.ghost: no such cloud in this file/],
  },
  {
    name: 'no clouds.yaml anywhere lists where it looked',
    cloud: { from: 'clouds-yaml', name: 'x' },
    error: [
      ConfigNotFoundError,
      /clouds\.yaml \(looked in clouds\.yaml, clouds\.yml, .*no-such-home\/\.config\/openstack\/clouds\.yaml.*\/etc\/openstack\/clouds\.yaml/,
    ],
  },
  {
    name: 'no cloud name in the config, OS_CLOUD or --os-cloud',
    cloud: site(),
    error: [
      ConfigInvalidError,
      /- cloud\.name: missing: name the clouds\.yaml cloud in the config, in OS_CLOUD or with --os-cloud/,
    ],
  },
];

async function resolve(c: Case): Promise<ResolvedCloud> {
  let cloud = parseConfig({ cloud: c.cloud }).cloud;
  if (c.osCloud) cloud = withOsCloud(cloud, c.osCloud);
  return resolveCloud(cloud, { ...NO_HOME, ...c.env });
}

/** The `auth` object issueToken sends for this cloud (a fake http answers a valid token). */
async function keystoneBody(cloud: ResolvedCloud): Promise<unknown> {
  let body: unknown;
  const http = (async (req: { body?: unknown }) => {
    body = req.body;
    return {
      status: 201,
      headers: { 'x-subject-token': 'tok' },
      data: { token: { expires_at: '2099-01-01T00:00:00Z', catalog: [], user: { id: 'u' } } },
    };
  }) as unknown as HttpClient;
  await issueToken(http, cloud);
  return (body as { auth: unknown }).auth;
}

describe.each([
  ['cloud selection: OS_CLOUD, --os-cloud, cloud.name, search path', SELECTION],
  ['secure.yaml merged over clouds.yaml', SECURE_YAML],
  ['ids vs names in the Keystone token request', IDS_AND_NAMES],
  ['region, interface and TLS files', REGION_INTERFACE_TLS],
])('%s', (_title, cases) => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const cloud = await resolve(c);
    if (c.expect) expect(cloud).toMatchObject(c.expect);
    if (c.keystone) expect(await keystoneBody(cloud)).toEqual(c.keystone);
  });
});

describe('errors name what the user wrote', () => {
  test.each(ERRORS.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const err = await resolve(c).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const [type, message] = c.error!;
    expect(err).toBeInstanceOf(type);
    expect(err!.message).toMatch(message);
    // Never an internal field name for a clouds.yaml or OS_* source, and never a password.
    if (c.cloud.from !== 'inline' && !String((c.cloud as { caBundle?: string }).caBundle ?? '').length)
      expect(err!.message).not.toMatch(/projectName|projectId|authUrl|caBundle|applicationCredential|userId/);
    expect(err!.message).not.toMatch(/password-|env-password/);
    // Bad config is a usage error: the CLI exits 2 and prints no stack.
    expect((err as { userError?: boolean }).userError).toBe(true);
  });
});

describe('endpoint interface selection in the catalog', () => {
  const endpoints = (region: string) =>
    (['public', 'internal', 'admin'] as const).map((i) => ({
      interface: i,
      region_id: region,
      url: `https://${i}.${region}.test/compute/v2.1`,
    }));
  const http = (async () => ({
    status: 201,
    headers: { 'x-subject-token': 'tok' },
    data: {
      token: {
        expires_at: '2099-01-01T00:00:00Z',
        catalog: [{ type: 'compute', endpoints: [...endpoints('r1'), ...endpoints('r2')] }],
        user: { id: 'u' },
      },
    },
  })) as unknown as HttpClient;

  test.each([
    ['public', undefined, 'https://public.r1.test/compute/v2.1'],
    ['internal', 'r2', 'https://internal.r2.test/compute/v2.1'],
    ['admin', 'r1', 'https://admin.r1.test/compute/v2.1'],
  ] as const)('interface %s, region %s → %s', async (iface, region, url) => {
    const cloud = await resolveCloud(parseConfig({ cloud: { from: 'env' } }).cloud, {
      ...NO_HOME,
      ...envCreds,
      OS_INTERFACE: iface,
      ...(region ? { OS_REGION_NAME: region } : {}),
    });
    expect(await createSession(cloud, { http }).endpoint('compute')).toBe(url);
  });
});
