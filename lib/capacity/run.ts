import { limiter } from '../async/index.js';
import { UnknownCapacityHostError } from './errors.js';
import { answerFor, roomNow, worstOf } from './estimate.js';
import { demandsOf, observeCloud, type CapacityDeps } from './observe.js';
import type { CapacityReport, HostAnswer, HostView } from './schemas.js';

/** Hosts whose failure is evaluated at once (each lists its servers and reads its allocations). */
const HOSTS_AT_ONCE = 4;

/** Why a host's own failure is not evaluated (freezer-dr would not recover it, or it is already out). */
function notEvaluatedReason(h: HostView): string | null {
  if (h.excluded?.startsWith('recovery in flight') || h.excluded?.startsWith('out for repair')) return h.excluded;
  if (h.forcedDown) return 'forced down: already out of the cloud';
  if (!h.enabled) return 'disabled: freezer-dr never recovers a disabled host';
  return null;
}

export interface CapacityOptions {
  /** Evaluate only these hosts' failure (whatever their state); default every host freezer-dr would recover. */
  hosts?: readonly string[];
}

/**
 * The capacity check: for each host, if it failed now, would every instance a recovery evacuates
 * find room on the other hosts (cloud-wide, in its availability zone, in each of its aggregates)?
 * Reads Nova, Placement and the incident store; changes nothing.
 */
export async function runCapacity(deps: CapacityDeps, opts: CapacityOptions = {}): Promise<CapacityReport> {
  const view = await observeCloud(deps);
  const known = view.hosts.map((h) => h.host);
  for (const h of opts.hosts ?? []) if (!known.includes(h)) throw new UnknownCapacityHostError(h, known);
  const notEvaluated: CapacityReport['notEvaluated'] = [];
  const evaluated = view.hosts.filter((h) => {
    if (opts.hosts) return opts.hosts.includes(h.host);
    const why = notEvaluatedReason(h);
    if (why) notEvaluated.push({ host: h.host, reason: why });
    return !why;
  });
  const limit = limiter(HOSTS_AT_ONCE);
  const answers: HostAnswer[] = await Promise.all(
    evaluated.map((h) =>
      limit(async () => {
        const { demands, skipped } = await demandsOf(deps, h.host, view.providers.get(h.host) ?? null);
        return answerFor(h, demands, skipped, view.hosts);
      }),
    ),
  );
  const worst = worstOf(answers);
  return {
    at: deps.now().toISOString(),
    hosts: view.hosts,
    answers,
    notEvaluated,
    worstCase: worst
      ? { host: worst.host, fits: worst.cloud.fits, headroomPercent: worst.cloud.headroomPercent }
      : null,
    ok: answers.every((a) => a.cloud.fits),
    now: roomNow(view.hosts),
  };
}

/** The capacity check for one host (what `plan --host X` shows): would its instances find room? */
export async function capacityForHost(deps: CapacityDeps, host: string): Promise<HostAnswer> {
  const report = await runCapacity(deps, { hosts: [host] });
  return report.answers[0]!;
}
