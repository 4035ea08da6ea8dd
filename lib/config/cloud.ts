import { readFile } from 'node:fs/promises';
import * as z from '../zod-mini.js';
import { getLogger, registerSecret } from '../log/index.js';
import type { CloudConfig } from './schemas.js';
import { ConfigFileError, ConfigInvalidError, fileReason } from './errors.js';
import { findCloudEntry } from './clouds-files.js';
import {
  fromCloudsYaml,
  fromConfig,
  fromOsEnv,
  nameOf,
  newDraft,
  put,
  toRaw,
  type Draft,
  type Field,
} from './cloud-sources.js';
import { resolveSecret } from './secrets.js';

/** Everything needed to talk to one cloud, secrets resolved. Never logged as a whole. */
export const ResolvedCloudSchema = z.object({
  authUrl: z.url(),
  auth: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('password'),
      /** By name in its domain, or by id. Ids are sent as ids (no domain needed). */
      username: z.optional(z.string().check(z.minLength(1))),
      userId: z.optional(z.string().check(z.minLength(1))),
      password: z.string().check(z.minLength(1)),
      userDomainId: z.optional(z.string().check(z.minLength(1))),
      userDomainName: z.optional(z.string().check(z.minLength(1))),
      projectId: z.optional(z.string().check(z.minLength(1))),
      projectName: z.optional(z.string().check(z.minLength(1))),
      projectDomainId: z.optional(z.string().check(z.minLength(1))),
      projectDomainName: z.optional(z.string().check(z.minLength(1))),
    }),
    z.object({
      type: z.literal('application-credential'),
      applicationCredentialId: z.string().check(z.minLength(1)),
      applicationCredentialSecret: z.string().check(z.minLength(1)),
    }),
  ]),
  regionName: z.optional(z.string()),
  interface: z._default(z.enum(['public', 'internal', 'admin']), 'public'),
  caBundle: z.optional(z.string()),
  /** Client TLS: certificate (PEM), and its key when the certificate file does not hold it. */
  clientCert: z.optional(z.string()),
  clientKey: z.optional(z.string()),
  insecure: z._default(z.boolean(), false),
  requestTimeoutMs: z._default(z.number().check(z.positive()), 10_000),
});
export type ResolvedCloud = z.infer<typeof ResolvedCloudSchema>;

/** Settings of freezer-dr.yaml's `cloud` that apply over whichever source gives the credentials. */
const OVERRIDES: Field[] = ['regionName', 'interface', 'caBundle', 'clientCert', 'clientKey', 'insecure'];
const TLS_FILES = ['caBundle', 'clientCert', 'clientKey'] as const;

/**
 * `--os-cloud NAME`: the clouds.yaml cloud NAME, whatever the config file's `cloud.from` says.
 * The file's own endpoint/TLS settings and timeout still apply (they are not credentials).
 */
export function withOsCloud(cloud: CloudConfig, name: string): CloudConfig {
  const { regionName, interface: iface, caBundle, clientCert, clientKey, insecure, requestTimeoutSeconds } = cloud;
  return {
    from: 'clouds-yaml',
    name,
    file: cloud.from === 'clouds-yaml' ? cloud.file : undefined,
    ...{ regionName, interface: iface, caBundle, clientCert, clientKey, insecure, requestTimeoutSeconds },
  };
}

/**
 * Build the connection settings the way openstacksdk / OSC read them. Which cloud:
 * `--os-cloud` (applied to the config by the CLI) > the config file's `cloud.name` > OS_CLOUD.
 * Which values: freezer-dr.yaml `cloud.*` > OS_* endpoint/TLS variables > clouds.yaml + secure.yaml.
 * `from: inline` reads nothing from the environment.
 */
export async function resolveCloud(cloud: CloudConfig, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedCloud> {
  const { draft, source } = await draftFor(cloud, env);
  const resolved = validate(draft, source, cloud.requestTimeoutSeconds * 1000);
  await checkTlsFiles(resolved, draft, source);
  const a = resolved.auth;
  // Named by where it came from, so a weak-secret warning can say which one (never its value).
  const key = a.type === 'password' ? 'auth.password' : 'auth.application_credential_secret';
  registerSecret(a.type === 'password' ? a.password : a.applicationCredentialSecret, `${source} ${key}`);
  return resolved;
}

async function draftFor(cloud: CloudConfig, env: NodeJS.ProcessEnv): Promise<{ draft: Draft; source: string }> {
  if (cloud.from === 'inline') {
    const secretKeys = new Set(['password', 'applicationCredentialSecret']);
    const authFields = Object.keys(cloud.auth)
      .filter((k) => !secretKeys.has(k))
      .map((k) => `auth.${k}` as Field);
    const d = fromConfig(cloud, ['authUrl', ...authFields], newDraft('inline'));
    const a = cloud.auth;
    if (a.type === 'password') put(d, 'auth.password', await resolveSecret(a.password, env), 'cloud.auth.password');
    else
      put(
        d,
        'auth.applicationCredentialSecret',
        await resolveSecret(a.applicationCredentialSecret, env),
        'cloud.auth.applicationCredentialSecret',
      );
    return { draft: fromConfig(cloud, OVERRIDES, d), source: 'cloud (inline)' };
  }
  const name = cloudName(cloud, env);
  if (name === undefined) return { draft: fromConfig(cloud, OVERRIDES, fromOsEnv(env)), source: 'OS_* environment' };
  const found = await findCloudEntry(name, env, cloud.from === 'clouds-yaml' ? cloud.file : undefined);
  const draft = fromConfig(cloud, OVERRIDES, fromOsEnv(env, true, fromCloudsYaml(found.entry)));
  const source = `cloud "${name}" of ${found.path}${found.securePath ? ` (with ${found.securePath})` : ''}`;
  return { draft, source };
}

/** The clouds.yaml cloud to use, or undefined for plain OS_* variables. */
function cloudName(cloud: CloudConfig, env: NodeJS.ProcessEnv): string | undefined {
  const osCloud = env.OS_CLOUD || undefined;
  if (cloud.from === 'clouds-yaml') {
    if (cloud.name && osCloud && osCloud !== cloud.name)
      getLogger().warn(`OS_CLOUD=${osCloud} is set but the config names cloud "${cloud.name}": using "${cloud.name}"`, {
        hint: 'freezer-dr --os-cloud NAME overrides the config file',
      });
    const name = cloud.name ?? osCloud;
    if (!name)
      throw new ConfigInvalidError('cloud', [
        'cloud.name: missing: name the clouds.yaml cloud in the config, in OS_CLOUD or with --os-cloud',
      ]);
    return name;
  }
  if (osCloud && (env.OS_AUTH_URL || env.OS_USERNAME || env.OS_APPLICATION_CREDENTIAL_ID))
    getLogger().warn(`OS_CLOUD=${osCloud} selects a clouds.yaml cloud: the OS_* credential variables are ignored`);
  return osCloud;
}

const AUTH_TYPES: Record<string, 'password' | 'application-credential'> = {
  password: 'password',
  v3password: 'password',
  'application-credential': 'application-credential',
  applicationcredential: 'application-credential',
  v3applicationcredential: 'application-credential',
};

function authType(d: Draft, problems: string[]): 'password' | 'application-credential' {
  const given = d.values.get('auth.type');
  if (given === undefined) return d.values.has('auth.applicationCredentialId') ? 'application-credential' : 'password';
  const type = typeof given === 'string' ? AUTH_TYPES[given] : undefined;
  if (!type)
    problems.push(
      `${label(d, 'auth.type')}: "${String(given)}" is not supported: use password or v3applicationcredential`,
    );
  return type ?? 'password';
}

/** The name the user wrote for `field`, or the one they would write in this kind of source. */
const label = (d: Draft, field: Field) => d.names.get(field) ?? nameOf(field, d.kind);
const either = (d: Draft, a: Field, b: Field) => `${label(d, a)} or ${label(d, b)}`;

function missing(d: Draft, type: 'password' | 'application-credential'): string[] {
  const has = (f: Field) => d.values.has(f);
  const out: string[] = [];
  if (!has('authUrl')) out.push(`${label(d, 'authUrl')}: missing`);
  if (type === 'application-credential') {
    for (const f of ['auth.applicationCredentialId', 'auth.applicationCredentialSecret'] as const)
      if (!has(f)) out.push(`${label(d, f)}: missing`);
    return out;
  }
  if (!has('auth.username') && !has('auth.userId')) out.push(`${either(d, 'auth.username', 'auth.userId')}: missing`);
  if (!has('auth.password')) out.push(`${label(d, 'auth.password')}: missing`);
  if (!has('auth.projectId') && !has('auth.projectName'))
    out.push(
      `${either(d, 'auth.projectName', 'auth.projectId')}: missing (freezer-dr needs a token scoped to a project)`,
    );
  if (has('clientKey') && !has('clientCert')) out.push(`${label(d, 'clientKey')}: set without a client certificate`);
  return out.filter(Boolean);
}

function validate(d: Draft, source: string, requestTimeoutMs: number): ResolvedCloud {
  const problems: string[] = [];
  const type = authType(d, problems);
  problems.push(...missing(d, type));
  if (problems.length) throw new ConfigInvalidError(source, problems);
  const raw = toRaw(d);
  const parsed = ResolvedCloudSchema.safeParse({
    ...raw,
    auth: { ...(raw.auth as object), type },
    requestTimeoutMs,
  });
  if (parsed.success) return parsed.data;
  // Values are never echoed: a password may sit in the wrong field.
  throw new ConfigInvalidError(
    source,
    parsed.error.issues.map((i) => `${label(d, i.path.map(String).join('.') as Field)}: ${i.message}`),
  );
}

/** A CA bundle or client certificate that cannot be read is a config error naming it, not an ENOENT later. */
async function checkTlsFiles(cloud: ResolvedCloud, d: Draft, source: string): Promise<void> {
  for (const field of TLS_FILES) {
    const path = cloud[field];
    if (!path) continue;
    try {
      await readFile(path);
    } catch (err) {
      const name = label(d, field);
      const where = d.names.get(field)?.startsWith('OS_') || name.startsWith('cloud.') ? name : `${name} (${source})`;
      throw new ConfigFileError(where, path, fileReason(err), {
        cause: err,
        hint: `point ${name} at a readable PEM file, or remove it`,
      });
    }
  }
}
