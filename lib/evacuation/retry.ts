import { backoffDelay } from '../async/index.js';
import type { EvacuationRetriesConfig } from '../config/index.js';
import type { Assessment } from './assess.js';

/** Nova's fault message when the scheduler found no host (FACTS: the migration goes `error`). */
const NO_VALID_HOST = /no valid host/i;
/** A retry never waits longer than this, however many came before. */
const MAX_BACKOFF_MS = 600_000;

/**
 * An evacuation worth trying again: Nova itself reported it ended (its migration `error` or
 * `failed`) for want of a host, which may free up. Any other failure is final at once.
 */
export function isNoValidHost(a: Assessment): boolean {
  return (
    a.kind === 'failed' &&
    (a.migrationStatus === 'error' || a.migrationStatus === 'failed') &&
    NO_VALID_HOST.test(a.reason)
  );
}

/** Milliseconds before retry number `retry` (1 = the first): the configured base, doubled each time, ±20 %. */
export function retryDelayMs(retry: number, cfg: EvacuationRetriesConfig, random?: () => number): number {
  return backoffDelay(
    retry,
    { baseMs: cfg.backoffSeconds * 1000, factor: 2, jitter: 0.2, maxMs: MAX_BACKOFF_MS },
    random,
  );
}

/** The final reason of an instance that was tried more than once: the count first, so a cut reason keeps it. */
export function reasonAfterAttempts(attempts: number, reason: string): string {
  return attempts > 1 ? `after ${attempts} attempts: ${reason}` : reason;
}
