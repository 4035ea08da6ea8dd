import { sleep } from './sleep.js';

/** One look at the thing being waited for: done with a value, or not yet and why (for the timeout message). */
export type WaitCheck<T> = { done: true; value: T } | { done: false; last: string };

export interface WaitForOptions {
  /** Give up this long after the wait starts. */
  timeoutMs: number;
  /**
   * Pause before check n (1-based): a number, or a schedule of the check number and the time since
   * the wait began, such as "fast first, then backing off".
   */
  intervalMs: number | ((check: number, elapsedMs: number) => number);
  /** Pause before the first check too (the caller has just read the state itself). Defaults to false. */
  pauseFirst?: boolean;
  signal?: AbortSignal;
  now?: () => number;
  /** The error to throw when time runs out; gets the last "not yet" reason and the number of checks. */
  onTimeout: (last: string, checks: number) => Error;
}

/**
 * The one poll-until loop (openstacksdk's wait_for_status): fence confirmation and return to
 * service use it. A check that throws ends the wait with that error; a check that wants to keep
 * waiting through an error returns `{ done: false }` with the error as its reason.
 */
export async function waitFor<T>(
  check: (n: number) => Promise<WaitCheck<T>>,
  opts: WaitForOptions,
): Promise<{ value: T; checks: number }> {
  const now = opts.now ?? Date.now;
  const started = now();
  const deadline = started + opts.timeoutMs;
  const interval = typeof opts.intervalMs === 'number' ? () => opts.intervalMs as number : opts.intervalMs;
  for (let n = 1; ; n++) {
    if (n > 1 || opts.pauseFirst)
      await sleep(Math.min(interval(n, now() - started), Math.max(0, deadline - now())), opts.signal);
    const r = await check(n);
    if (r.done) return { value: r.value, checks: n };
    if (now() >= deadline) throw opts.onTimeout(r.last, n);
  }
}

/** A schedule that starts at `firstMs` and grows by `factor` per check up to `maxMs`. */
export function backingOff(firstMs: number, maxMs: number, factor = 2): (check: number) => number {
  return (check) => Math.min(maxMs, firstMs * factor ** Math.max(0, check - 1));
}
