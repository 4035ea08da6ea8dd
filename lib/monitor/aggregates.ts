import type { AggregateLimit } from './schemas.js';

/** The aggregate metadata key an operator sets to cap simultaneous failures in that aggregate or zone. */
export const MAX_FAILURES_KEY = 'freezer-dr:max_failures';

/**
 * Aggregates (as lib/openstack lists them) → their limits. A value that is not a whole number
 * is kept as `invalid` with the reason: it holds the aggregate's hosts, never falls back silently.
 */
export function aggregateLimits(
  aggregates: ReadonlyArray<{
    name: string;
    availabilityZone: string | null;
    hosts: string[];
    metadata: Record<string, string>;
  }>,
): AggregateLimit[] {
  return aggregates
    .filter((a) => MAX_FAILURES_KEY in a.metadata)
    .map((a) => {
      const raw = a.metadata[MAX_FAILURES_KEY]!.trim();
      const ok = /^\d+$/.test(raw);
      return {
        name: a.name,
        availabilityZone: a.availabilityZone,
        hosts: a.hosts,
        maxFailures: ok ? Number(raw) : null,
        invalid: ok ? null : `${MAX_FAILURES_KEY} is ${JSON.stringify(raw)}, not a whole number of hosts`,
      };
    });
}
