import { RESOURCE_CLASSES, type ClassCapacity, type Demand, type ResourceClass, type Resources } from './schemas.js';

/** A target host for the packing: its inventory per class and what is placed on it so far. */
export interface Bin {
  host: string;
  capacity: Partial<Record<ResourceClass, ClassCapacity>>;
}

export interface PackResult {
  placed: Array<{ id: string; host: string }>;
  unplaced: Array<{ id: string; name: string; reason: string }>;
  /** Free per class on the targets after the packing. */
  freeAfter: Resources;
  capacity: Resources;
}

/** Placement's own rule: what a provider can hold of a class. */
export function usable(c: ClassCapacity): number {
  return Math.max(0, (c.total - c.reserved) * c.allocationRatio);
}

/** Why one host refuses one instance, or null when it fits (Placement's checks, in its order). */
function refusal(c: ClassCapacity | undefined, rc: ResourceClass, amount: number, added: number): string | null {
  if (amount <= 0) return null;
  if (!c) return `no ${rc} inventory`;
  if (amount < c.minUnit) return `${rc} ${amount} is below min_unit ${c.minUnit}`;
  if (amount > c.maxUnit) return `${rc} ${amount} is above max_unit ${c.maxUnit}`;
  if (amount % c.stepSize !== 0) return `${rc} ${amount} is not a multiple of step_size ${c.stepSize}`;
  if (c.used + added + amount > usable(c)) return `not enough free ${rc}`;
  return null;
}

function sumUsable(bins: readonly Bin[]): Resources {
  const out: Resources = {};
  for (const rc of RESOURCE_CLASSES) {
    const caps = bins.map((b) => b.capacity[rc]).filter((c): c is ClassCapacity => !!c);
    if (caps.length) out[rc] = caps.reduce((n, c) => n + usable(c), 0);
  }
  return out;
}

/** The larger of an instance's shares of the targets' capacity: the sort key of first-fit decreasing. */
function dominantShare(d: Demand, total: Resources): number {
  let share = 0;
  for (const rc of RESOURCE_CLASSES) {
    const amount = d.resources?.[rc] ?? 0;
    if (amount <= 0) continue;
    const t = total[rc] ?? 0;
    share = Math.max(share, t > 0 ? amount / t : Number.POSITIVE_INFINITY);
  }
  return share;
}

/** Why no host took it: one reason every host shares, else each reason with the hosts that gave it. */
function summarise(refusals: ReadonlyArray<[host: string, reason: string]>): string {
  if (refusals.length === 0) return 'no host takes evacuated instances';
  const byReason = new Map<string, string[]>();
  for (const [host, reason] of refusals) byReason.set(reason, [...(byReason.get(reason) ?? []), host]);
  if (byReason.size === 1) return `${refusals[0]![1]} on every target host`;
  const names = (hosts: string[]) =>
    hosts.length > 3 ? `${hosts.slice(0, 3).join(', ')} and ${hosts.length - 3} more` : hosts.join(', ');
  return [...byReason.entries()]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([reason, hosts]) => `${reason} on ${names(hosts)}`)
    .join('; ');
}

/**
 * First-fit decreasing over several resource classes: instances by their dominant share of the
 * targets' capacity, largest first; each goes to the first host (in the given order) where every
 * class fits. A heuristic: it can miss a packing that exists, never invent one — an estimate that
 * errs on the side of "no room".
 */
export function packFirstFitDecreasing(demands: readonly Demand[], bins: readonly Bin[]): PackResult {
  const capacity = sumUsable(bins);
  const added = bins.map(() => ({}) as Record<ResourceClass, number>);
  const order = [...demands].sort(
    (a, b) =>
      dominantShare(b, capacity) - dominantShare(a, capacity) ||
      a.name.localeCompare(b.name) ||
      a.id.localeCompare(b.id),
  );
  const placed: PackResult['placed'] = [];
  const unplaced: PackResult['unplaced'] = [];
  for (const d of order) {
    if (!d.resources) {
      unplaced.push({ id: d.id, name: d.name, reason: 'its size is unknown (no Placement allocation found)' });
      continue;
    }
    const reasons: Array<[string, string]> = [];
    const i = bins.findIndex((b, k) => {
      const why = RESOURCE_CLASSES.map((rc) =>
        refusal(b.capacity[rc], rc, d.resources?.[rc] ?? 0, added[k]![rc] ?? 0),
      ).find((r) => r !== null);
      if (why) reasons.push([b.host, why]);
      return !why;
    });
    if (i < 0) {
      unplaced.push({ id: d.id, name: d.name, reason: summarise(reasons) });
      continue;
    }
    for (const rc of RESOURCE_CLASSES) added[i]![rc] = (added[i]![rc] ?? 0) + (d.resources[rc] ?? 0);
    placed.push({ id: d.id, host: bins[i]!.host });
  }
  const freeAfter: Resources = {};
  for (const rc of RESOURCE_CLASSES) {
    if (capacity[rc] === undefined) continue;
    freeAfter[rc] = bins.reduce((n, b, k) => {
      const c = b.capacity[rc];
      return c ? n + Math.max(0, usable(c) - c.used - (added[k]![rc] ?? 0)) : n;
    }, 0);
  }
  return { placed, unplaced, freeAfter, capacity };
}
