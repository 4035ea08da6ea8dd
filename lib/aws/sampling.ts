import { sleep } from '../async/index.js';

/** EventBridge runs the monitor once a minute at most: the invocation covers the minute itself. */
export const SCHEDULE_MS = 60_000;
/** Stop sampling this long before Lambda would stop us. */
const MARGIN_MS = 5_000;

export interface SamplingOptions {
  /** Time between the starts of two passes (`monitor.intervalSeconds`). */
  intervalMs: number;
  /** The invocation's share of time: the next invocation starts after it. Defaults to SCHEDULE_MS. */
  windowMs?: number;
  /** Time left before the function's timeout (Lambda's `getRemainingTimeInMillis`). */
  remainingMs?: () => number;
  now?: () => number;
  wait?: (ms: number) => Promise<void>;
}

/**
 * Detection below a minute with a once-a-minute schedule: one invocation runs a pass every
 * `intervalMs` for the minute it owns (passes start at 0, interval, 2×interval, … while the start
 * is inside the window), and stops early when the function's time runs short. With an interval of
 * 60 s or more it is the plain one-pass invocation. Returns how many passes ran.
 */
export async function sampleWithinWindow(pass: () => Promise<void>, opts: SamplingOptions): Promise<number> {
  const now = opts.now ?? (() => performance.now());
  const wait = opts.wait ?? ((ms: number) => sleep(ms));
  const windowMs = opts.windowMs ?? SCHEDULE_MS;
  const start = now();
  let passes = 0;
  for (let k = 0; ; k++) {
    const at = k * opts.intervalMs;
    if (k > 0 && at >= windowMs) break;
    const delay = start + at - now();
    if (k > 0 && opts.remainingMs && opts.remainingMs() - Math.max(0, delay) < MARGIN_MS) break;
    if (delay > 0) await wait(delay);
    await pass();
    passes++;
  }
  return passes;
}
