import { packFirstFitDecreasing, type Bin } from './pack.js';
import {
  RESOURCE_CLASSES,
  type CapacityReport,
  type Demand,
  type HostAnswer,
  type HostView,
  type Resources,
  type Scenario,
} from './schemas.js';

function binOf(h: HostView): Bin {
  return { host: h.host, capacity: h.capacity };
}

function headroomPercent(capacity: Resources, free: Resources): number | null {
  const shares = RESOURCE_CLASSES.filter((rc) => (capacity[rc] ?? 0) > 0).map(
    (rc) => ((free[rc] ?? 0) / capacity[rc]!) * 100,
  );
  return shares.length ? Math.round(Math.min(...shares) * 10) / 10 : null;
}

/** Would these targets take every one of these instances? */
export function scenario(scope: string, demands: readonly Demand[], targets: readonly HostView[]): Scenario {
  const r = packFirstFitDecreasing(demands, targets.map(binOf));
  return {
    scope,
    targets: targets.map((t) => t.host),
    fits: r.unplaced.length === 0,
    placed: r.placed.length,
    unplaced: r.unplaced,
    capacity: r.capacity,
    freeAfter: r.freeAfter,
    headroomPercent: headroomPercent(r.capacity, r.freeAfter),
  };
}

export function sumDemand(demands: readonly Demand[]): Resources {
  const out: Resources = {};
  for (const d of demands)
    for (const rc of RESOURCE_CLASSES) if (d.resources?.[rc]) out[rc] = (out[rc] ?? 0) + d.resources[rc];
  return out;
}

/**
 * "If this host failed now": its evacuable instances against every other host that takes
 * evacuated instances, then against its availability zone's and each of its aggregates' peers.
 */
export function answerFor(
  failed: HostView,
  demands: readonly Demand[],
  skipped: number,
  hosts: readonly HostView[],
): HostAnswer {
  const targets = hosts.filter((h) => h.host !== failed.host && h.excluded === null);
  return {
    host: failed.host,
    instances: demands.length,
    demand: sumDemand(demands),
    skipped,
    cloud: scenario('cloud', demands, targets),
    zone: failed.zone
      ? scenario(
          `zone ${failed.zone}`,
          demands,
          targets.filter((t) => t.zone === failed.zone),
        )
      : null,
    aggregates: failed.aggregates.map((a) =>
      scenario(
        `aggregate ${a}`,
        demands,
        targets.filter((t) => t.aggregates.includes(a)),
      ),
    ),
  };
}

/** The answer the cloud absorbs least well: one that does not fit (most left over), else the least headroom. */
export function worstOf(answers: readonly HostAnswer[]): HostAnswer | null {
  const rank = (a: HostAnswer): [number, number, number] => [
    a.cloud.fits ? 0 : 1,
    a.cloud.unplaced.length,
    -(a.cloud.headroomPercent ?? -1),
  ];
  let worst: HostAnswer | null = null;
  for (const a of answers) {
    if (!worst) {
      worst = a;
      continue;
    }
    const [x, y] = [rank(a), rank(worst)];
    const better = x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || worst.host.localeCompare(a.host);
    if (better > 0) worst = a;
  }
  return worst;
}

/** Room now (no failure assumed) on the hosts that take evacuated instances. */
export function roomNow(hosts: readonly HostView[]): CapacityReport['now'] {
  const targets = hosts.filter((h) => h.excluded === null);
  const r = scenario('now', [], targets);
  return { hosts: targets.length, capacity: r.capacity, free: r.freeAfter };
}
