/** Documented in the README ("Exit codes"); scripts may rely on them. */
export const EXIT = {
  ok: 0,
  /** The operation ran and failed: fence not confirmed, recovery partial or failed. */
  failed: 1,
  /** Bad usage, bad config, bad input (an unknown host or incident included): nothing was done. */
  usage: 2,
  /** The cloud (Keystone/Nova) could not be observed: nothing was done. */
  unreachable: 3,
  /** Refused by a safety gate, the pause switch, an open incident or a live execution: nothing was done. */
  refused: 4,
  /** Interrupted by Ctrl-C (SIGINT): what was done, the incident's state and how to resume are printed. */
  interrupted: 130,
} as const;

/**
 * The exit code of an error that reached the top: the one place the README's table is applied to
 * errors, so a command never picks its own number for the same situation.
 */
export async function exitCodeFor(error: Error): Promise<number> {
  const [{ UserInputError, RefusedError }, incidents, { isObserverProblem }, fencing] = await Promise.all([
    import('../lib/errors.js'),
    import('../lib/incidents/index.js'),
    import('../lib/openstack/index.js'),
    import('../lib/fencing/index.js'),
  ]);
  if (error instanceof UserInputError) return EXIT.usage;
  // An incident id or a host that does not exist is bad input, like an unknown host for Nova.
  if (error instanceof incidents.IncidentNotFoundError) return EXIT.usage;
  if (error instanceof fencing.NoFencerConfiguredError) return EXIT.usage;
  if (error instanceof incidents.IncidentExistsError) return EXIT.refused;
  if (error instanceof RefusedError) return EXIT.refused;
  if (isObserverProblem(error)) return EXIT.unreachable;
  return EXIT.failed;
}
