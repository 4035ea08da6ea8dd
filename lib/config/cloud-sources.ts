/**
 * Where each connection setting comes from, under the name the user wrote it: a clouds.yaml key,
 * an OS_* variable or a freezer-dr.yaml key. Errors quote that name, never an internal field.
 */

/** internal field → [clouds.yaml key (in the cloud's entry), OS_* variable, freezer-dr.yaml key under `cloud`] */
export const FIELDS = {
  authUrl: ['auth.auth_url', 'OS_AUTH_URL', 'authUrl'],
  'auth.username': ['auth.username', 'OS_USERNAME', 'auth.username'],
  'auth.userId': ['auth.user_id', 'OS_USER_ID', 'auth.userId'],
  'auth.password': ['auth.password', 'OS_PASSWORD', 'auth.password'],
  'auth.userDomainId': ['auth.user_domain_id', 'OS_USER_DOMAIN_ID', 'auth.userDomainId'],
  'auth.userDomainName': ['auth.user_domain_name', 'OS_USER_DOMAIN_NAME', 'auth.userDomainName'],
  'auth.projectId': ['auth.project_id', 'OS_PROJECT_ID', 'auth.projectId'],
  'auth.projectName': ['auth.project_name', 'OS_PROJECT_NAME', 'auth.projectName'],
  'auth.projectDomainId': ['auth.project_domain_id', 'OS_PROJECT_DOMAIN_ID', 'auth.projectDomainId'],
  'auth.projectDomainName': ['auth.project_domain_name', 'OS_PROJECT_DOMAIN_NAME', 'auth.projectDomainName'],
  'auth.applicationCredentialId': [
    'auth.application_credential_id',
    'OS_APPLICATION_CREDENTIAL_ID',
    'auth.applicationCredentialId',
  ],
  'auth.applicationCredentialSecret': [
    'auth.application_credential_secret',
    'OS_APPLICATION_CREDENTIAL_SECRET',
    'auth.applicationCredentialSecret',
  ],
  regionName: ['region_name', 'OS_REGION_NAME', 'regionName'],
  interface: ['interface', 'OS_INTERFACE', 'interface'],
  caBundle: ['cacert', 'OS_CACERT', 'caBundle'],
  clientCert: ['cert', 'OS_CERT', 'clientCert'],
  clientKey: ['key', 'OS_KEY', 'clientKey'],
  insecure: ['verify', 'OS_INSECURE', 'insecure'],
  'auth.type': ['auth_type', 'OS_AUTH_TYPE', 'auth.type'],
} as const;
export type Field = keyof typeof FIELDS;
export type Kind = 'yaml' | 'env' | 'inline';
const COLUMN: Record<Kind, 0 | 1 | 2> = { yaml: 0, env: 1, inline: 2 };

/** The name of `field` as a user of `kind` writes it (`cloud.` prefixed for freezer-dr.yaml). */
export function nameOf(field: Field, kind: Kind): string {
  const n = FIELDS[field][COLUMN[kind]];
  return kind === 'inline' ? `cloud.${n}` : n;
}

/** Values by internal field, each with the name it was given under. */
export interface Draft {
  kind: Kind;
  values: Map<Field, unknown>;
  names: Map<Field, string>;
}

export const newDraft = (kind: Kind): Draft => ({ kind, values: new Map(), names: new Map() });

function scalar(v: unknown): unknown {
  // YAML reads `project_id: 610275` as a number; an id is a string to Keystone.
  return typeof v === 'number' ? String(v) : v;
}

export function put(d: Draft, field: Field, value: unknown, name: string): void {
  if (value === undefined || value === null || value === '') return;
  d.values.set(field, scalar(value));
  d.names.set(field, name);
}

/** Set `field` only when nothing set it yet (defaults such as `domain_id`). */
function putDefault(d: Draft, field: Field, value: unknown, name: string): void {
  if (!d.values.has(field)) put(d, field, value, name);
}

/** `publicURL` (the keystoneclient-era OS_ENDPOINT_TYPE spelling) means `public`. */
const iface = (v: unknown) => (typeof v === 'string' ? v.replace(/URL$/, '') : v);

function get(o: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((a, k) => (a && typeof a === 'object' ? (a as never)[k] : undefined), o);
}

/** One clouds.yaml entry (secure.yaml already merged). Unknown keys are other tools' business. */
export function fromCloudsYaml(entry: Record<string, unknown>): Draft {
  const d = newDraft('yaml');
  for (const field of Object.keys(FIELDS) as Field[]) {
    if (field === 'insecure' || field === 'interface') continue;
    put(d, field, get(entry, FIELDS[field][0]), FIELDS[field][0]);
  }
  put(d, 'interface', iface(entry.interface), 'interface');
  putDefault(d, 'interface', iface(entry.endpoint_type), 'endpoint_type');
  if (entry.verify === false) put(d, 'insecure', true, 'verify');
  else if (typeof entry.insecure === 'boolean') put(d, 'insecure', entry.insecure, 'insecure');
  // Keystone v2 spellings, and one domain for both the user and the project (as openstacksdk).
  putDefault(d, 'auth.projectId', get(entry, 'auth.tenant_id'), 'auth.tenant_id');
  putDefault(d, 'auth.projectName', get(entry, 'auth.tenant_name'), 'auth.tenant_name');
  for (const who of ['user', 'project'] as const) {
    putDefault(d, `auth.${who}DomainId`, get(entry, 'auth.domain_id'), 'auth.domain_id');
    putDefault(d, `auth.${who}DomainName`, get(entry, 'auth.domain_name'), 'auth.domain_name');
  }
  return d;
}

/** Settings that select an endpoint or TLS material: they apply over a clouds.yaml cloud too (as OSC). */
const SELECTORS: Field[] = ['regionName', 'interface', 'caBundle', 'clientCert', 'clientKey'];

/** The OS_* environment; `selectorsOnly` keeps the endpoint/TLS variables (a clouds.yaml cloud is in use). */
export function fromOsEnv(env: NodeJS.ProcessEnv, selectorsOnly = false, into = newDraft('env')): Draft {
  const d = into;
  const fields = selectorsOnly ? SELECTORS : (Object.keys(FIELDS) as Field[]).filter((f) => f !== 'insecure');
  for (const field of fields) {
    if (field === 'interface') continue;
    put(d, field, env[FIELDS[field][1]], FIELDS[field][1]);
  }
  // OS_ENDPOINT_TYPE is the older name of OS_INTERFACE; the newer one wins when both are set.
  if (env.OS_INTERFACE) put(d, 'interface', iface(env.OS_INTERFACE), 'OS_INTERFACE');
  else put(d, 'interface', iface(env.OS_ENDPOINT_TYPE), 'OS_ENDPOINT_TYPE');
  if (selectorsOnly) return d;
  putDefault(d, 'auth.projectId', env.OS_TENANT_ID, 'OS_TENANT_ID');
  putDefault(d, 'auth.projectName', env.OS_TENANT_NAME, 'OS_TENANT_NAME');
  for (const who of ['user', 'project'] as const) {
    putDefault(d, `auth.${who}DomainId`, env.OS_DOMAIN_ID, 'OS_DOMAIN_ID');
    putDefault(d, `auth.${who}DomainName`, env.OS_DOMAIN_NAME, 'OS_DOMAIN_NAME');
  }
  return d;
}

/** freezer-dr.yaml's own `cloud.*` values (inline auth, or overrides of any source). */
export function fromConfig(values: Record<string, unknown>, fields: Field[], into: Draft): Draft {
  for (const field of fields) {
    const key = FIELDS[field][2];
    put(into, field, get(values, key), `cloud.${key}`);
  }
  return into;
}

/** Build the nested object ResolvedCloudSchema reads. */
export function toRaw(d: Draft): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const auth: Record<string, unknown> = {};
  for (const [field, value] of d.values) {
    if (field.startsWith('auth.')) auth[field.slice(5)] = value;
    else raw[field] = value;
  }
  raw.auth = auth;
  return raw;
}
