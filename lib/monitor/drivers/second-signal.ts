import type { SecondSignalConfig } from '../../config/index.js';
import type { SecondObserved } from '../schemas.js';

export interface SecondSignalDeps<C extends SecondSignalConfig = SecondSignalConfig> {
  config: C;
  /** The Nova host names to judge (every compute service Nova listed). */
  hosts: readonly string[];
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/**
 * A second, independent source of "is this host alive?". It never throws: a source that cannot
 * be read is itself an observation (`ok: false`), and the pass then fails closed (observer gate).
 */
export type SecondSignalDriver<C extends SecondSignalConfig = SecondSignalConfig> = (
  deps: SecondSignalDeps<C>,
) => Promise<SecondObserved>;

/** A failure as the decision records it: fixed name, operator message. */
export function observedError(source: string, err: unknown): SecondObserved {
  const e = err as Error;
  return { ok: false, source, error: { name: e?.name ?? 'Error', message: e?.message ?? String(err) } };
}
