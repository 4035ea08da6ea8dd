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
 * Milliseconds until the next round: the soonest check any evacuation in flight is due.
 * Without history an evacuation of age `a` is due `max(FIRST_CHECK_MS, BACKOFF × a)` later
 * (capped by `maxIntervalMs`): young ones are looked at often, since rebuilds end in seconds,
 * old ones less. Once some have finished, `expectedMs` (the quickest request-to-recorded time
 * seen in this incident) aims the check at the moment a younger one should be done, and the
 * backoff takes over after it. A round answers for every instance at once, so checking often
 * costs the same two calls however many are in flight.
 */
export function nextRoundDelayMs(
  inFlightAgesMs: readonly number[],
  maxIntervalMs: number,
  round: number,
  expectedMs?: number,
): number {
  const dueIn = (age: number) => {
    const a = Math.max(0, age);
    if (expectedMs !== undefined && a + MIN_GAP_MS < expectedMs) return expectedMs - a;
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
