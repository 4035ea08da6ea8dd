import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { registerSecret } from '../log/index.js';
import type { CloudConfig } from './schemas.js';
import { ConfigInvalidError, ConfigNotFoundError, ConfigSyntaxError } from './errors.js';
import { formatIssues } from './issues.js';
import { resolveSecret } from './secrets.js';

/** Everything needed to talk to one cloud, secrets resolved. Never logged as a whole. */
export const ResolvedCloudSchema = z.object({
  authUrl: z.url(),
  auth: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('password'),
      username: z.string().min(1),
      password: z.string().min(1),
      userDomainName: z.string().default('Default'),
      projectName: z.string().min(1),
      projectDomainName: z.string().default('Default'),
    }),
    z.object({
      type: z.literal('application-credential'),
      applicationCredentialId: z.string().min(1),
      applicationCredentialSecret: z.string().min(1),
    }),
  ]),
  regionName: z.string().optional(),
  interface: z.enum(['public', 'internal', 'admin']).default('public'),
  caBundle: z.string().optional(),
  insecure: z.boolean().default(false),
  requestTimeoutMs: z.number().positive().default(10_000),
});
export type ResolvedCloud = z.infer<typeof ResolvedCloudSchema>;

const CLOUDS_YAML_PATHS = () => [
  'clouds.yaml',
  join(homedir(), '.config/openstack/clouds.yaml'),
  '/etc/openstack/clouds.yaml',
];

/** Build the connection settings from clouds.yaml, the OS_* environment or the config file itself. */
export async function resolveCloud(cloud: CloudConfig, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedCloud> {
  const common = {
    regionName: cloud.regionName,
    interface: cloud.interface,
    caBundle: cloud.caBundle,
    insecure: cloud.insecure,
    requestTimeoutMs: cloud.requestTimeoutSeconds * 1000,
  };
  let raw: Record<string, unknown>;
  let source: string;
  if (cloud.from === 'inline') {
    source = 'cloud (inline)';
    const a = cloud.auth;
    raw = {
      ...common,
      authUrl: cloud.authUrl,
      auth:
        a.type === 'password'
          ? { ...a, password: await resolveSecret(a.password, env) }
          : { ...a, applicationCredentialSecret: await resolveSecret(a.applicationCredentialSecret, env) },
    };
  } else if (cloud.from === 'env') {
    source = 'OS_* environment';
    raw = { ...fromOsEnv(env), ...definedOnly(common) };
  } else {
    const { path, entry } = await findCloudsYamlEntry(cloud.name, cloud.file);
    source = `${path} clouds.${cloud.name}`;
    raw = { ...fromCloudsYaml(entry), ...definedOnly(common) };
  }
  const parsed = ResolvedCloudSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigInvalidError(
      source,
      formatIssues(parsed.error).map((l) => l.replace(/^auth\.password: .*/, 'auth.password: missing')),
    );
  const a = parsed.data.auth;
  registerSecret(a.type === 'password' ? a.password : a.applicationCredentialSecret);
  return parsed.data;
}

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function fromOsEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const appCred = env.OS_AUTH_TYPE === 'v3applicationcredential' || env.OS_APPLICATION_CREDENTIAL_ID;
  return definedOnly({
    authUrl: env.OS_AUTH_URL,
    auth: appCred
      ? {
          type: 'application-credential',
          applicationCredentialId: env.OS_APPLICATION_CREDENTIAL_ID,
          applicationCredentialSecret: env.OS_APPLICATION_CREDENTIAL_SECRET,
        }
      : definedOnly({
          type: 'password',
          username: env.OS_USERNAME,
          password: env.OS_PASSWORD,
          userDomainName: env.OS_USER_DOMAIN_NAME,
          projectName: env.OS_PROJECT_NAME,
          projectDomainName: env.OS_PROJECT_DOMAIN_NAME,
        }),
    regionName: env.OS_REGION_NAME,
    interface: env.OS_INTERFACE,
    caBundle: env.OS_CACERT,
  });
}

async function findCloudsYamlEntry(
  name: string,
  file?: string,
): Promise<{ path: string; entry: Record<string, unknown> }> {
  const candidates = file ? [file] : CLOUDS_YAML_PATHS();
  for (const path of candidates) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    let doc: unknown;
    const { parse } = await import('yaml');
    try {
      doc = parse(text);
    } catch (err) {
      throw new ConfigSyntaxError(path, (err as Error).message.split('\n')[0] ?? 'unparseable');
    }
    const entry = (doc as { clouds?: Record<string, unknown> } | null)?.clouds?.[name];
    if (entry && typeof entry === 'object') return { path, entry: entry as Record<string, unknown> };
    throw new ConfigInvalidError(path, [`clouds.${name}: no such cloud in this file`]);
  }
  throw new ConfigNotFoundError(file ?? `clouds.yaml (looked in ${candidates.join(', ')})`);
}

function fromCloudsYaml(entry: Record<string, unknown>): Record<string, unknown> {
  const auth = (entry.auth ?? {}) as Record<string, string | undefined>;
  const appCred = entry.auth_type === 'v3applicationcredential' || auth.application_credential_id;
  return definedOnly({
    authUrl: auth.auth_url,
    auth: appCred
      ? {
          type: 'application-credential',
          applicationCredentialId: auth.application_credential_id,
          applicationCredentialSecret: auth.application_credential_secret,
        }
      : definedOnly({
          type: 'password',
          username: auth.username,
          password: auth.password,
          userDomainName: auth.user_domain_name ?? auth.domain_name,
          projectName: auth.project_name,
          projectDomainName: auth.project_domain_name ?? auth.domain_name,
        }),
    regionName: entry.region_name as string | undefined,
    interface: entry.interface as string | undefined,
    caBundle: entry.cacert as string | undefined,
    insecure: entry.verify === false ? true : undefined,
  });
}
