import type { FenceResult } from './schemas.js';
import { sleep } from '../async/index.js';
import { FencingError, PowerOffTimeoutError } from './errors.js';
import type { Fencer, PowerState } from './fencer.js';

export interface FenceTiming {
  /** How long the host may take to read off after the request. */
  powerTimeoutMs: number;
  /** Pause between power-state reads. */
  pollIntervalMs: number;
  signal?: AbortSignal;
  now?: () => number;
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
    if ((await fencer.getPower(timing.signal)) === 'off') return confirmed(1, true);
    await fencer.setPower('off', timing.signal);
    return confirmed(await waitFor(fencer, 'off', timing, now), false);
  } finally {
    await fencer.close?.().catch(() => undefined);
  }
}

/** Power on and wait for "on": used by return-to-service, never by recovery. */
export async function powerOn(fencer: Fencer, timing: FenceTiming): Promise<{ attempts: number }> {
  const now = timing.now ?? Date.now;
  try {
    if ((await fencer.getPower(timing.signal)) === 'on') return { attempts: 1 };
    await fencer.setPower('on', timing.signal);
    return { attempts: await waitFor(fencer, 'on', timing, now) };
  } finally {
    await fencer.close?.().catch(() => undefined);
  }
}

async function waitFor(fencer: Fencer, wanted: PowerState, timing: FenceTiming, now: () => number): Promise<number> {
  const deadline = now() + timing.powerTimeoutMs;
  let attempts = 0;
  let last: string = 'on';
  while (true) {
    await sleep(Math.max(0, Math.min(timing.pollIntervalMs, deadline - now())), timing.signal);
    attempts++;
    try {
      const state = await fencer.getPower(timing.signal);
      if (state === wanted) return attempts;
      last = state;
    } catch (err) {
      // A BMC that stops answering mid-poll is not a confirmation: keep reading until the deadline.
      if (!(err instanceof FencingError)) throw err;
      last = `unknown (${err.name}: ${err.message})`;
    }
    if (now() >= deadline) {
      throw new PowerOffTimeoutError(
        `${fencer.target} still reads power ${last} ${Math.round(timing.powerTimeoutMs / 1000)} s after the power-${wanted} request (${attempts} reads); the host is NOT confirmed ${wanted}`,
        {
          hint: 'check the BMC and the host by hand; if the host is really off, re-run the recovery with fence: confirmed-by-operator',
        },
      );
    }
  }
}
