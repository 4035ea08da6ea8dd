import type { Observation } from './schemas.js';

/** Fields every observation carries that change on every pass; they alone never make one worth keeping. */
const VOLATILE = new Set(['host', 'lastSeenAt', 'lastState']);

/**
 * Does this observation carry memory a later pass needs (a suspect's grace start, or any other
 * non-empty field beyond the volatile ones)? A plain healthy host does not: the stores forget it,
 * so a pass over thousands of healthy hosts writes nothing.
 */
export function carriesMemory(o: Observation): boolean {
  return Object.entries(o).some(([k, v]) => !VOLATILE.has(k) && v !== null && v !== undefined);
}

/** The same memory: a kept observation is rewritten only when this changes, not when it was merely seen again. */
export function sameMemory(a: Observation, b: Observation): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => !VOLATILE.has(k)));
  for (const k of keys) {
    const x = (a as Record<string, unknown>)[k] ?? null;
    const y = (b as Record<string, unknown>)[k] ?? null;
    if (JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}
