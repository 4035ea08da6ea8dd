/** Documented in the README ("Exit codes"); scripts may rely on them. */
export const EXIT = {
  ok: 0,
  /** The operation ran and failed: fence not confirmed, recovery partial or failed. */
  failed: 1,
  /** Bad usage, bad config, bad input: nothing was done. */
  usage: 2,
  /** The cloud (Keystone/Nova) could not be observed: nothing was done. */
  unreachable: 3,
  /** Refused by a safety gate or the pause switch: nothing was done. */
  refused: 4,
} as const;
