import * as z from '../zod-mini.js';
import { HostNameSchema } from './schemas.js';

// schemas.ts imports this file and this file needs its HostNameSchema: the lazy reference is
// resolved at parse time, after both modules have loaded, so the import cycle is harmless.
const Host = z.lazy(() => HostNameSchema);
const Name = z.string().check(z.trim(), z.minLength(1, { message: 'expected a non-empty name' }));

/** What freezer-dr writes when it disables a fenced host; a marker matching it would make fenced hosts look reserved. */
const ISOLATION_REASON_EXAMPLE = 'freezer-dr compute-1-20260101T000000Z: fenced 2026-01-01T00:00:00.000Z';

/**
 * Reserved hosts (`evacuation.reservedHosts`): spare compute hosts kept disabled in Nova until a
 * host they stand in for fails. Then, after the failed host is fenced and before the first
 * evacuation, freezer-dr enables ONE of them (same aggregate or availability zone as the failed
 * host, up and not forced down), and after the evacuations settles it returns it to the pool
 * (disabled again) when nothing landed on it. Enabling a spare is allowed because configuring it
 * here is the operator asking for it (DESIGN S2); the failed host itself is never touched.
 * Leaving the key out turns the feature off (no extra Nova calls).
 */
export const ReservedHostsSchema = z.strictObject({
  /**
   * Reserved hosts that stand in for any failed host they share an aggregate or the
   * availability zone with (in a cloud without zones every host is in `nova`). Defaults to none.
   */
  hosts: z._default(z.array(Host), []),
  /** Aggregate name (as in `GET /os-aggregates`) → reserved hosts for the failed hosts in it. Tried first. */
  byAggregate: z._default(z.record(Name, z.array(Host).check(z.minLength(1))), {}),
  /** Availability zone → reserved hosts for the failed hosts in it. Tried after byAggregate. */
  byZone: z._default(z.record(Name, z.array(Host).check(z.minLength(1))), {}),
  /**
   * A nova-compute service disabled with a reason containing this text is a reserved host too
   * (matched like `hosts`). A returned host gets this reason back. Defaults to `freezer-dr:reserved`.
   */
  disabledReasonMarker: z._default(
    z.string().check(
      z.trim(),
      z.minLength(3, { message: 'expected at least 3 characters' }),
      z.maxLength(200),
      z.refine((m) => !ISOLATION_REASON_EXAMPLE.includes(m), {
        message:
          'must not match the reason freezer-dr gives a fenced host ("freezer-dr <incident>: fenced <time>"): fenced hosts would look reserved',
      }),
    ),
    'freezer-dr:reserved',
  ),
  /**
   * `scheduler`: the enabled reserved host is one more candidate and Nova's scheduler places
   * each instance. `target`: every evacuation names it as `host` (the scheduler still validates
   * it; `force` is never sent). Without a usable reserved host both fall back to the scheduler.
   * Defaults to scheduler.
   */
  mode: z._default(z.enum(['scheduler', 'target']), 'scheduler'),
});
export type ReservedHostsConfig = z.infer<typeof ReservedHostsSchema>;
