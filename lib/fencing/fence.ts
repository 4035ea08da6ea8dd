import type { FenceResult } from './schemas.js';
import {
  BmcAuthError,
  BmcPrivilegeError,
  BmcUnreachableError,
  FencingError,
  PowerActionRefusedError,
  PowerOffTimeoutError,
  PowerStateUnknownError,
} from './errors.js';
import type { Fencer, PowerState } from './fencer.js';
import { waitFor as waitUntil, type WaitCheck } from '../async/index.js';

export interface FenceTiming {
  /** How long the host may take to read off after the request. */
  powerTimeoutMs: number;
  /** Longest pause between power-state reads (the first second is polled faster, see `pollDelays`). */
  pollIntervalMs: number;
  signal?: AbortSignal;
  now?: () => number;
}

/** Reads in the first second after a power request come this often: most BMCs switch within it. */
export const QUICK_POLL_MS = 100;
const QUICK_PHASE_MS = 1000;
/** How long a refused power-off is watched for a state that was only late to read off. */
const REFUSAL_LOOK_MS = 1000;
const BACKOFF = 1.5;

/**
 * The pause before each power-state read after a power request: every QUICK_POLL_MS for the
 * first second (ipmi_sim and many BMCs switch within it, and waiting a whole interval there is
 * pure latency), then growing by half each time up to `pollIntervalMs`, so a slow BMC is not
 * opened a session every 100 ms for half a minute.
 */
export function pollDelay(elapsedMs: number, previousMs: number | undefined, pollIntervalMs: number): number {
  const quick = Math.min(QUICK_POLL_MS, pollIntervalMs);
  if (elapsedMs < QUICK_PHASE_MS || previousMs === undefined) return quick;
  return Math.min(pollIntervalMs, Math.max(quick, previousMs * BACKOFF));
}

/**
 * The one fence loop every driver shares (as fence-agents' fence_action does): read the state,
 * already off is success, otherwise request off and read until a clean "off" or the timeout.
 * Only a confirmed "off" returns; everything else throws a FencingError (S1). We never cycle
 * or reset: those can report success before the node is really down.
 */
export async function fenceOff(fencer: Fencer, timing: FenceTiming): Promise<FenceResult> {
  const now = timing.now ?? Date.now;
  const confirmed = (attempts: number, alreadyOff: boolean): FenceResult => ({
    fenced: true,
    method: fencer.method,
    target: fencer.target,
    confirmedAt: new Date(now()).toISOString(),
    attempts,
    alreadyOff,
  });
  try {
    if ((await firstRead(fencer, timing)) === 'off') return confirmed(1, true);
    let refused: PowerActionRefusedError | undefined;
    try {
      await fencer.setPower('off', timing.signal);
    } catch (err) {
      // The request may have been carried out with only its answer lost: the confirm loop
      // finds out, and reports NOT fenced if the BMC never reads off (S1).
      if (err instanceof PowerActionRefusedError) refused = err;
      else if (!(err instanceof BmcUnreachableError)) throw err;
    }
    // A refusal gets a short look (a BMC may refuse "already off" while its state read still
    // lags), then fails with the BMC's own words instead of after the whole power timeout.
    const wait = refused ? { ...timing, powerTimeoutMs: Math.min(timing.powerTimeoutMs, REFUSAL_LOOK_MS) } : timing;
    return confirmed(await waitFor(fencer, 'off', wait, now, refused), false);
  } finally {
    await fencer.close?.().catch(() => undefined);
  }
}

/** Power on and wait for "on": used by return-to-service, never by recovery. */
export async function powerOn(fencer: Fencer, timing: FenceTiming): Promise<{ attempts: number }> {
  const now = timing.now ?? Date.now;
  try {
    if ((await firstRead(fencer, timing)) === 'on') return { attempts: 1 };
    await fencer.setPower('on', timing.signal);
    return { attempts: await waitFor(fencer, 'on', timing, now) };
  } finally {
    await fencer.close?.().catch(() => undefined);
  }
}

/**
 * The read before the request. A host in transition (PoweringOn, PoweringOff) or in a state
 * the BMC cannot name is neither on nor off: the request is sent and the loop confirms.
 */
async function firstRead(fencer: Fencer, timing: FenceTiming): Promise<PowerState | 'unknown'> {
  try {
    return await fencer.getPower(timing.signal);
  } catch (err) {
    if (err instanceof PowerStateUnknownError) return 'unknown';
    throw err;
  }
}

/**
 * Read until the BMC reports `wanted` or the power timeout (lib/async's waitFor, on pollDelay's
 * schedule). Returns the number of reads.
 */
async function waitFor(
  fencer: Fencer,
  wanted: PowerState,
  timing: FenceTiming,
  now: () => number,
  refused?: PowerActionRefusedError,
): Promise<number> {
  let delay: number | undefined;
  const { checks } = await waitUntil(
    async (): Promise<WaitCheck<true>> => {
      try {
        const state = await fencer.getPower(timing.signal);
        return state === wanted ? { done: true, value: true } : { done: false, last: state };
      } catch (err) {
        // Credentials that stopped working (changed mid-fence, account locked) or a privilege
        // taken away will not come back by asking again: every further read is one more failed
        // login on the BMC's lockout counter. End the attempt now with the driver's message.
        if (err instanceof BmcAuthError || err instanceof BmcPrivilegeError) throw err;
        // A BMC that stops answering mid-poll is not a confirmation: keep reading until the deadline.
        if (!(err instanceof FencingError)) throw err;
        return { done: false, last: `unknown (${err.name}: ${err.message})` };
      }
    },
    {
      timeoutMs: timing.powerTimeoutMs,
      pauseFirst: true,
      intervalMs: (_n, elapsed) => (delay = pollDelay(elapsed, delay, timing.pollIntervalMs)),
      signal: timing.signal,
      now,
      onTimeout: (last, reads) =>
        refused ??
        new PowerOffTimeoutError(
          `${fencer.target} still reads power ${last} ${Math.round(timing.powerTimeoutMs / 1000)} s after the power-${wanted} request (${reads} reads); the host is NOT confirmed ${wanted}`,
          {
            hint: 'check the BMC and the host by hand; if the host is really off, re-run the recovery with fence: confirmed-by-operator',
          },
        ),
    },
  );
  return checks;
}
