import type { Observation } from './schemas.js';

/**
 * Fields that change on every pass, or that only need the value they had at the last transition:
 * they alone never make an observation worth writing. `lastHealthyAt` is only ever compared with
 * the close of a fence-failed incident, so the first healthy pass after a host was a suspect (the
 * transition, which is written) is the value that matters.
 */
const VOLATILE = new Set(['host', 'lastSeenAt', 'lastState', 'lastHealthyAt']);

/** Does this observation carry memory a later pass needs (a suspect's grace start, …)? */
export function carriesMemory(o: Observation): boolean {
  return Object.entries(o).some(([k, v]) => !VOLATILE.has(k) && v !== null && v !== undefined);
}

function sameMemory(a: Observation, b: Observation): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => !VOLATILE.has(k)));
  for (const k of keys) {
    const x = (a as Record<string, unknown>)[k] ?? null;
    const y = (b as Record<string, unknown>)[k] ?? null;
    if (JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

/**
 * Whether the stores write this pass's observation of a host, given the one they keep. Written:
 * one that carries memory when that memory changed, and the first plain one after a host carried
 * memory (it recovered: that pass's `lastHealthyAt` is kept). Never written: a host that has only
 * ever been seen healthy, or one seen again with the same memory. So a quiet pass over thousands
 * of healthy hosts writes nothing, and what is kept is the hosts that were ever suspects.
 */
export function shouldWrite(kept: Observation | undefined, o: Observation): boolean {
  if (carriesMemory(o)) return !kept || !sameMemory(kept, o);
  return !!kept && carriesMemory(kept);
}
