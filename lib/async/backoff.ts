export interface BackoffOptions {
  /** The first delay in ms. */
  baseMs: number;
  /** Growth per retry (2 doubles). */
  factor: number;
  /** Spread around the nominal delay as a fraction: 0.25 gives ±25 %, so retries do not stampede. */
  jitter: number;
  /** Ceiling in ms, after growth and jitter. */
  maxMs?: number;
}

/** The delay before retry number `retry` (1 = the first retry): base × factor^(retry-1), jittered. */
export function backoffDelay(retry: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const nominal = opts.baseMs * opts.factor ** Math.max(0, retry - 1);
  const jittered = nominal * (1 - opts.jitter + random() * 2 * opts.jitter);
  return Math.round(Math.min(opts.maxMs ?? Number.POSITIVE_INFINITY, jittered));
}
