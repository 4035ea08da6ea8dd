import { readFile } from 'node:fs/promises';
import { ConfigSchema, type Config } from './schemas.js';
import { ConfigInvalidError, ConfigNotFoundError, ConfigSyntaxError } from './errors.js';
import { formatIssues } from './issues.js';

export const DEFAULT_CONFIG_FILE = 'freezer-dr.yaml';

/** Validate an already-parsed config object. `source` names it in errors. */
export function parseConfig(raw: unknown, source = 'config'): Config {
  // A config is validated once per process: zod's JIT (a parser generated per object schema on its
  // first parse) would cost more to compile than it saves on that one parse.
  const result = ConfigSchema.safeParse(raw ?? {}, { jitless: true });
  if (!result.success) throw new ConfigInvalidError(source, formatIssues(result.error));
  return result.data;
}

/** Read and validate a YAML config file: missing file, bad YAML and bad content are distinct errors. */
export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigNotFoundError(path, { cause: err });
  }
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new ConfigSyntaxError(path, first.message.split('\n')[0] ?? 'unparseable');
  }
  return parseConfig(doc.toJS(), path);
}
