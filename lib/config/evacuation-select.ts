import * as z from '../zod-mini.js';

/** A `key=value` marker (the form of the legacy flavorExtraSpec / imageProperty / serverMetadata keys). */
export const KeyValueMarkerSchema = z.string().check(z.regex(/^[^=]+=.*$/, { message: 'expected "key=value"' }));

/** Where the evacuable tag is looked for. */
export const MarkSourceSchema = z.enum(['flavor', 'image', 'server', 'aggregate']);
export type MarkSource = z.infer<typeof MarkSourceSchema>;

/**
 * Instances left alone by name. Each entry is a glob over the whole server name: `*` any run of
 * characters, `?` one character, everything else literal and case-sensitive.
 */
export const SkipSchema = z.strictObject({
  /** Name globs, e.g. `["scratch-*", "ci-runner-?"]`. Defaults to none. */
  names: z._default(
    z
      .array(
        z
          .string()
          .check(
            z.minLength(1),
            z.maxLength(255),
            z.regex(/[^*?]/, { message: 'a glob of only "*" and "?" would skip every instance' }),
          ),
      )
      .check(z.maxLength(200)),
    [],
  ),
});

/**
 * Restart groups: the server metadata key holding an instance's group number. Group 1 is
 * evacuated first; group 2 starts when group 1 has settled, and so on. Valid numbers are 1..max.
 */
export const RestartGroupsSchema = z.strictObject({
  /** Server metadata key (also read from the failed host's aggregates as a default). Defaults to `freezer-dr:group`. */
  metadataKey: z._default(z.string().check(z.minLength(1), z.maxLength(255)), 'freezer-dr:group'),
  /** Highest group number accepted; an instance naming another value is skipped with the reason. Defaults to 9. */
  max: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(99)), 9),
  /** Instances without a group: `last` (after group `max`) or `first` (before group 1). Defaults to `last`. */
  ungrouped: z._default(z.enum(['first', 'last']), 'last'),
});

/**
 * What to do with an instance whose task_state is stuck from the dead host (see STUCK_TASK_STATES
 * in lib/evacuation): `skip` it with the reason, or `reset` it (Nova's os-resetState to error,
 * in the Plan step, after the fence is confirmed) and evacuate it. Defaults to `skip`.
 */
export const StuckTasksSchema = z._default(z.enum(['skip', 'reset']), 'skip');

export type SkipConfig = z.infer<typeof SkipSchema>;
export type RestartGroupsConfig = z.infer<typeof RestartGroupsSchema>;
export type StuckTasksConfig = z.infer<typeof StuckTasksSchema>;
