/**
 * Every delayed effect of the sim (an evacuation finishing, a BMC reaching Off, a host booting)
 * goes through one registry, so stop() can cancel them all and nothing fires after a test ends.
 */
export interface Timers {
  /** Run `fn` after `ms`; returns a cancel function. */
  later(ms: number, fn: () => void): () => void;
  /** A promise that resolves after `ms`, or early when the sim stops. */
  sleep(ms: number): Promise<void>;
  clearAll(): void;
}

export function createTimers(): Timers {
  const pending = new Map<NodeJS.Timeout, () => void>();
  let stopped = false;
  return {
    later(ms, fn) {
      if (stopped) return () => undefined;
      const t = setTimeout(() => {
        pending.delete(t);
        fn();
      }, ms);
      // The sim's servers keep the process alive; a forgotten timer alone must not.
      t.unref();
      pending.set(t, () => undefined);
      return () => {
        clearTimeout(t);
        pending.delete(t);
      };
    },
    sleep(ms) {
      if (stopped || ms <= 0) return Promise.resolve();
      return new Promise((resolve) => {
        const t = setTimeout(() => {
          pending.delete(t);
          resolve();
        }, ms);
        t.unref();
        pending.set(t, resolve);
      });
    },
    clearAll() {
      stopped = true;
      for (const [t, onCancel] of pending) {
        clearTimeout(t);
        onCancel();
      }
      pending.clear();
    },
  };
}
