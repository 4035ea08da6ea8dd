/** Runs what it is given with at most `size` in flight; the rest wait in arrival order. */
export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

/** The one bounded pool (p-limit's shape): Keystone lookups and notification deliveries share it. */
export function limiter(size: number): Limiter {
  const max = Math.max(1, size);
  let active = 0;
  const queue: Array<() => void> = [];
  const release = (): void => {
    const next = queue.shift();
    // Hand the slot straight to the next waiter, so a newcomer cannot slip in between.
    if (next) next();
    else active--;
  };
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => queue.push(resolve));
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

/** `work` over every item, at most `size` at once; resolves when all have settled, re-throwing the first failure. */
export async function runPool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  const limit = limiter(size);
  const results = await Promise.allSettled(items.map((item) => limit(() => work(item))));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
