import { setTimeout as delay } from 'node:timers/promises';

/**
 * The one sleep: Node's timer promise. An abort rejects with the signal's reason (not Node's
 * generic AbortError), so a middy timeout or a SIGINT surfaces as the named error that caused it.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(Math.max(0, ms), undefined, { signal });
  } catch (err) {
    throw signal?.aborted ? signal.reason : err;
  }
}
