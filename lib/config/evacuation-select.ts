import * as z from 'zod';

/** A `key=value` marker (the form of the legacy flavorExtraSpec / imageProperty / serverMetadata keys). */
export const KeyValueMarkerSchema = z.string().regex(/^[^=]+=.*$/, { message: 'expected "key=value"' });

/** Where the evacuable tag is looked for. */
export const MarkSourceSchema = z.enum(['flavor', 'image', 'server', 'aggregate']);
export type MarkSource = z.infer<typeof MarkSourceSchema>;

/**
 * Instances left alone by name. Each entry is a glob over the whole server name: `*` any run of
 * characters, `?` one character, everything else literal and case-sensitive.
 */
export const SkipSchema = z
  .object({
    /** Name globs, e.g. `["scratch-*", "ci-runner-?"]`. Defaults to none. */
    names: z
      .array(
        z.string().min(1).max(255).regex(/[^*?]/, { message: 'a glob of only "*" and "?" would skip every instance' }),
      )
      .max(200)
      .default([]),
  })
  .strict();

/**
 * Restart groups: the server metadata key holding an instance's group number. Group 1 is
 * evacuated first; group 2 starts when group 1 has settled, and so on. Valid numbers are 1..max.
 */
export const RestartGroupsSchema = z
  .object({
    /** Server metadata key (also read from the failed host's aggregates as a default). Defaults to `freezer-dr:group`. */
    metadataKey: z.string().min(1).max(255).default('freezer-dr:group'),
    /** Highest group number accepted; an instance naming another value is skipped with the reason. Defaults to 9. */
    max: z.number().int().min(1).max(99).default(9),
    /** Instances without a group: `last` (after group `max`) or `first` (before group 1). Defaults to `last`. */
    ungrouped: z.enum(['first', 'last']).default('last'),
  })
  .strict();

/**
 * What to do with an instance whose task_state is stuck from the dead host (see STUCK_TASK_STATES
 * in lib/evacuation): `skip` it with the reason, or `reset` it (Nova's os-resetState to error,
 * in the Plan step, after the fence is confirmed) and evacuate it. Defaults to `skip`.
 */
export const StuckTasksSchema = z.enum(['skip', 'reset']).default('skip');

export type SkipConfig = z.infer<typeof SkipSchema>;
export type RestartGroupsConfig = z.infer<typeof RestartGroupsSchema>;
export type StuckTasksConfig = z.infer<typeof StuckTasksSchema>;
