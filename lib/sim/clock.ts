/**
 * The cloud's clock. A real cloud's clock drifts from ours; the monitor must read heartbeat
 * ages against the response's Date header (DESIGN §4), so every timestamp the sim emits comes
 * from here, never from Date.now() directly.
 */
export interface SimClock {
  /** Milliseconds since the epoch on the cloud's clock. */
  now(): number;
}

export function createClock(skewMs: number): SimClock {
  return { now: () => Date.now() + skewMs };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function secondsPart(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/**
 * Nova's DB timestamps as the API prints them: "2026-11-25T03:43:18.000000", no zone, UTC.
 * MySQL DATETIME columns hold whole seconds, hence the zero microseconds (FACTS: "updated_at has 1 s resolution").
 */
export function novaTime(ms: number): string {
  return `${secondsPart(ms)}.000000`;
}

/** Nova's `created` / `updated` / fault `created` on servers: "2026-11-25T03:43:18Z". */
export function isoSecondsZ(ms: number): string {
  return `${secondsPart(ms)}Z`;
}

/** Keystone's token times: "2026-11-25T03:43:18.123000Z" (microseconds, Z). */
export function keystoneTime(ms: number): string {
  return `${secondsPart(ms)}.${pad(new Date(ms).getUTCMilliseconds(), 3)}000Z`;
}

/** RFC 7231 Date header. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
