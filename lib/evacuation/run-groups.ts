import type { PlanItem } from './schemas.js';

/** Where the Evacuate loop stands in the restart groups. */
export interface GroupProgress {
  /** The `group` value of the group being evacuated. */
  value: number;
  /** Its place in the plan, 1-based. */
  position: number;
  /** How many groups the plan has. */
  of: number;
  /** The instances of that group. */
  ids: ReadonlySet<string>;
}

/**
 * The restart groups of a plan, in plan order. The planner sorts items by group, then priority;
 * here a group is a run of consecutive items with the same `group` value, so the run order is
 * exactly the plan order and nothing is re-sorted at run time.
 */
export function restartGroups(items: readonly PlanItem[]): PlanItem[][] {
  const groups: PlanItem[][] = [];
  for (const item of items) {
    const last = groups.at(-1);
    if (last && last[0]!.group === item.group) last.push(item);
    else groups.push([item]);
  }
  return groups;
}

/**
 * The first group that still has an unsettled instance: only it may start evacuations. A group
 * whose instances all ended (evacuated, failed, timed out or skipped) lets the next one start, so a
 * failure never stops the groups after it. Undefined once every instance is settled.
 */
export function currentGroup(
  items: readonly PlanItem[],
  settled: (instanceId: string) => boolean,
): GroupProgress | undefined {
  const groups = restartGroups(items);
  const n = groups.findIndex((g) => g.some((i) => !settled(i.id)));
  if (n < 0) return undefined;
  const group = groups[n]!;
  return { value: group[0]!.group, position: n + 1, of: groups.length, ids: new Set(group.map((i) => i.id)) };
}
