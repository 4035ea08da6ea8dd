import { registerSecret } from '../log/index.js';
import { SecretUnavailableError } from './errors.js';
import type { SecretRef } from './schemas.js';

const TTL_MS = 5 * 60_000;
const cache = new Map<string, { value: string; at: number }>();

/**
 * Resolve a secret reference to its value. The value is registered with the redactor before
 * anyone sees it, so it can never reach a log line (S6). AWS lookups are cached for 5 minutes
 * per container so a burst of Tasks does not hammer Secrets Manager.
 */
export async function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const value = await lookup(ref, env);
  registerSecret(value, ref);
  return value;
}

/**
 * Read what a reference points at without registering it as a secret: for the config itself
 * (FREEZER_DR_CONFIG=ssm:/…), which holds only references, never a secret value, and would
 * otherwise turn the whole config text into one redaction pattern. Cached like secrets.
 */
export function readReference(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return lookup(ref, env);
}

async function lookup(ref: string, env: NodeJS.ProcessEnv): Promise<string> {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const value = env[name];
    if (value === undefined || value === '')
      throw new SecretUnavailableError(ref, `environment variable ${name} is not set`);
    return value;
  }
  const hit = cache.get(ref);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
  const value = ref.startsWith('secret:') ? await fromSecretsManager(ref) : await fromSsm(ref);
  cache.set(ref, { value, at: Date.now() });
  return value;
}

async function fromSecretsManager(ref: string): Promise<string> {
  const [id, key] = ref.slice('secret:'.length).split('#', 2) as [string, string | undefined];
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  let text: string | undefined;
  try {
    text = (await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: id }))).SecretString;
  } catch (err) {
    throw new SecretUnavailableError(ref, `Secrets Manager: ${(err as Error).name}`, { cause: err });
  }
  if (text === undefined) throw new SecretUnavailableError(ref, 'the secret has no string value');
  if (!key) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SecretUnavailableError(ref, `the secret is not JSON, so key "${key}" cannot be read`);
  }
  const value = (parsed as Record<string, unknown>)[key];
  if (typeof value !== 'string') throw new SecretUnavailableError(ref, `the secret has no string key "${key}"`);
  return value;
}

async function fromSsm(ref: string): Promise<string> {
  const name = ref.slice('ssm:'.length);
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  try {
    const out = await new SSMClient({}).send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const value = out.Parameter?.Value;
    if (value === undefined) throw new SecretUnavailableError(ref, 'the parameter has no value');
    return value;
  } catch (err) {
    if (err instanceof SecretUnavailableError) throw err;
    throw new SecretUnavailableError(ref, `SSM: ${(err as Error).name}`, { cause: err });
  }
}

export function clearSecretCacheForTests(): void {
  cache.clear();
}
