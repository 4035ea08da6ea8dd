import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ConfigFileError, ConfigInvalidError, ConfigNotFoundError, ConfigSyntaxError, fileReason } from './errors.js';

type Doc = Record<string, unknown>;

/**
 * openstacksdk's search path for clouds.yaml and secure.yaml: the current directory, the user's
 * config dir, the site's; the first file found wins. OS_CLIENT_CONFIG_FILE / OS_CLIENT_SECURE_FILE
 * go in front. `.yml` is accepted beside `.yaml`, as openstacksdk does.
 */
export function searchPath(base: 'clouds' | 'secure', env: NodeJS.ProcessEnv, extraDir?: string): string[] {
  const override = base === 'clouds' ? env.OS_CLIENT_CONFIG_FILE : env.OS_CLIENT_SECURE_FILE;
  const dirs = [
    ...(extraDir ? [extraDir] : []),
    '.',
    join(env.HOME ?? homedir(), '.config/openstack'),
    '/etc/openstack',
  ];
  return [...(override ? [override] : []), ...dirs.flatMap((d) => [join(d, `${base}.yaml`), join(d, `${base}.yml`)])];
}

/** The first file of `candidates` that exists, parsed; undefined when none does. */
async function firstYaml(candidates: string[]): Promise<{ path: string; doc: Doc } | undefined> {
  for (const path of candidates) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      // A file that exists but cannot be read must not be skipped silently: a later file would win.
      const reason = fileReason(err);
      throw new ConfigFileError(basename(path), path, reason, {
        cause: err,
        hint: reason === 'permission denied' ? 'fix its permissions for the user freezer-dr runs as' : undefined,
      });
    }
    const { parse } = await import('yaml');
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (err) {
      throw new ConfigSyntaxError(path, (err as Error).message.split('\n')[0] ?? 'unparseable');
    }
    if (doc === null || doc === undefined) doc = {};
    if (typeof doc !== 'object' || Array.isArray(doc))
      throw new ConfigInvalidError(path, ['(top level): expected a mapping with a "clouds" key']);
    return { path, doc: doc as Doc };
  }
  return undefined;
}

function isObject(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** secure.yaml over clouds.yaml: mappings merge key by key, anything else is replaced. */
export function deepMerge(base: Doc, over: Doc): Doc {
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k], v) : v;
  return out;
}

export interface CloudEntry {
  /** The clouds.yaml that holds the cloud, and the secure.yaml merged over it (if any). */
  path: string;
  securePath?: string;
  entry: Doc;
}

/** Find cloud `name` in clouds.yaml (or `file`), with the same cloud of secure.yaml merged over it. */
export async function findCloudEntry(name: string, env: NodeJS.ProcessEnv, file?: string): Promise<CloudEntry> {
  const candidates = file ? [file] : searchPath('clouds', env);
  const clouds = await firstYaml(candidates);
  if (!clouds)
    throw new ConfigNotFoundError(file ?? `clouds.yaml (looked in ${candidates.join(', ')})`, {
      hint: file
        ? 'fix cloud.file in the config, or remove it to search the usual places'
        : 'put clouds.yaml in one of those places, set OS_CLIENT_CONFIG_FILE, or set cloud.file',
    });
  const all = isObject(clouds.doc.clouds) ? clouds.doc.clouds : {};
  const entry = all[name];
  if (!isObject(entry)) {
    const known = Object.keys(all);
    throw new ConfigInvalidError(clouds.path, [
      `clouds.${name}: no such cloud in this file (${known.length ? `it has: ${known.join(', ')}` : 'it has none'})`,
    ]);
  }
  // A clouds.yaml named explicitly (cloud.file, OS_CLIENT_CONFIG_FILE) has its secure.yaml looked
  // for beside it first; otherwise the search path is exactly openstacksdk's.
  const named = file ?? (clouds.path === env.OS_CLIENT_CONFIG_FILE ? clouds.path : undefined);
  const secure = await firstYaml(searchPath('secure', env, named ? dirname(named) : undefined));
  const secureEntry = secure && isObject(secure.doc.clouds) ? secure.doc.clouds[name] : undefined;
  if (secure && secureEntry !== undefined && !isObject(secureEntry))
    throw new ConfigInvalidError(secure.path, [`clouds.${name}: expected a mapping`]);
  return isObject(secureEntry)
    ? { path: clouds.path, securePath: secure!.path, entry: deepMerge(entry, secureEntry) }
    : { path: clouds.path, entry };
}
