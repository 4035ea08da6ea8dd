/**
 * When the next round of evacuation checks runs, and how many rounds a host may take.
 *
 * One round (a Task, a Choice and a Wait) writes 9 events to the execution history, which Step
 * Functions caps at 25,000. The rest of the state machine needs well under 200, so a recovery
 * may take `MAX_ROUNDS` rounds. The adaptive schedule alone could exceed that on a long
 * recovery, so the wait between rounds has a floor that rises with the round count; with the
 * floors below a recovery fits for ~50 h before the last round records what is left as
 * timed out.
 */
export const EVENTS_PER_ROUND = 9;
export const MAX_ROUNDS = 2700;
const FLOORS: ReadonlyArray<readonly [fromRound: number, floorMs: number]> = [
  [2000, 300_000],
  [1500, 60_000],
  [1000, 15_000],
];

/** The first check this soon after a request; then every `BACKOFF × age`, capped by the config. */
export const FIRST_CHECK_MS = 100;
const BACKOFF = 0.1;
/** Checks aimed at an expected finish come no closer together than this. */
const MIN_GAP_MS = 50;

/**
 * How long Nova took, as far as this incident's finished evacuations tell, both measured from
 * Nova's 200 to the start of a listing: the quickest one was first seen finished at `latestMs`,
 * and the listing before it, at `soonestMs`, still showed it in flight (0 when none came between).
 */
export interface RebuildWindow {
  soonestMs: number;
  latestMs: number;
}

/**
 * When to look at a request of age `a` aimed by `w`: halfway through the window while it is
 * wide (a hit narrows it for the next requests, a miss is looked at again at its end), then at
 * its end; undefined once both are past.
 */
function aimedAt(a: number, w: RebuildWindow): number | undefined {
  const probe = w.latestMs - w.soonestMs > 2 * MIN_GAP_MS ? (w.soonestMs + w.latestMs) / 2 : w.latestMs;
  if (a + MIN_GAP_MS < probe) return probe - a;
  if (a + MIN_GAP_MS < w.latestMs) return w.latestMs - a;
  return undefined;
}

/**
 * Milliseconds until the next round: the soonest check any evacuation in flight is due.
 * Without history an evacuation of age `a` is due `max(FIRST_CHECK_MS, BACKOFF × a)` later
 * (capped by `maxIntervalMs`): young ones are looked at often, since rebuilds end in seconds,
 * old ones less. Once some have finished, `window` (how long Nova took here) aims the check at
 * the moment a younger one should be done, and the backoff takes over after it. Aiming inside
 * the window rather than at its end lets it shrink towards Nova's real time, instead of every
 * later request inheriting how late the first one happened to be seen. A round answers for every
 * instance at once, so checking often costs the same two calls however many are in flight.
 */
export function nextRoundDelayMs(
  inFlightAgesMs: readonly number[],
  maxIntervalMs: number,
  round: number,
  window?: RebuildWindow,
): number {
  const dueIn = (age: number) => {
    const a = Math.max(0, age);
    const aimed = window && aimedAt(a, window);
    if (aimed !== undefined) return aimed;
    return Math.max(FIRST_CHECK_MS, BACKOFF * a);
  };
  const due = inFlightAgesMs.length ? Math.min(...inFlightAgesMs.map(dueIn)) : FIRST_CHECK_MS;
  const floor = roundFloorMs(round);
  return Math.max(floor, MIN_GAP_MS, Math.min(due, Math.max(FIRST_CHECK_MS, maxIntervalMs)));
}

/** The least wait after round `round`, whatever is due: what keeps a long recovery inside the history limit. */
export function roundFloorMs(round: number): number {
  return FLOORS.find(([from]) => round >= from)?.[1] ?? 0;
}
