import type { RestartGroupsConfig } from '../config/index.js';
import type { Aggregate } from '../openstack/index.js';

/** The priority range `priorityMetadataKey` accepts; other values skip the instance with the reason. */
export const PRIORITY_MIN = -1000;
export const PRIORITY_MAX = 1000;

type Parsed = { ok: true; value: number } | { ok: false; reason: string };

/** A whole decimal integer, nothing around it ("2", "-5"); parseInt would accept "2abc". */
function integer(raw: string): number | null {
  return /^\s*-?\d{1,9}\s*$/.test(raw) ? Number(raw.trim()) : null;
}

/** The run-order number of the ungrouped: 0 runs before group 1, max + 1 after group max. */
export function ungroupedGroup(cfg: RestartGroupsConfig): number {
  return cfg.ungrouped === 'first' ? 0 : cfg.max + 1;
}

function groupValue(raw: string, where: string, cfg: RestartGroupsConfig): Parsed {
  const n = integer(raw);
  if (n === null || n < 1 || n > cfg.max)
    return {
      ok: false,
      reason: `${where} ${cfg.metadataKey}=${JSON.stringify(raw)} is not a restart group (a whole number 1..${cfg.max}, evacuation.groups.max)`,
    };
  return { ok: true, value: n };
}

/**
 * The group the failed host's aggregates give its instances that name none themselves: the
 * `metadataKey` on any aggregate holding the host. Aggregates that disagree, or a value that is not
 * a group number, are an error (every such instance is skipped with it), never a silent default.
 */
export function hostDefaultGroup(host: string, aggregates: readonly Aggregate[], cfg: RestartGroupsConfig): Parsed {
  const found: Array<{ name: string; value: number }> = [];
  for (const a of aggregates) {
    const raw = a.hosts.includes(host) ? a.metadata[cfg.metadataKey] : undefined;
    if (raw === undefined) continue;
    const v = groupValue(raw, `aggregate ${a.name} metadata`, cfg);
    if (!v.ok) return v;
    found.push({ name: a.name, value: v.value });
  }
  const values = new Set(found.map((f) => f.value));
  if (values.size > 1)
    return {
      ok: false,
      reason: `the aggregates of ${host} disagree on ${cfg.metadataKey}: ${found.map((f) => `${f.name}=${f.value}`).join(', ')}`,
    };
  return { ok: true, value: found[0]?.value ?? ungroupedGroup(cfg) };
}

/** The instance's restart group: its own metadata, else the host's default. */
export function instanceGroup(metadata: Record<string, string>, hostDefault: Parsed, cfg: RestartGroupsConfig): Parsed {
  const raw = metadata[cfg.metadataKey];
  if (raw !== undefined) return groupValue(raw, 'server metadata', cfg);
  return hostDefault;
}

/** The instance's priority within its group: higher first; absent is 0. */
export function instancePriority(metadata: Record<string, string>, key: string): Parsed {
  const raw = metadata[key];
  if (raw === undefined) return { ok: true, value: 0 };
  const n = integer(raw);
  if (n === null || n < PRIORITY_MIN || n > PRIORITY_MAX)
    return {
      ok: false,
      reason: `server metadata ${key}=${JSON.stringify(raw)} is not a priority (a whole number ${PRIORITY_MIN}..${PRIORITY_MAX})`,
    };
  return { ok: true, value: n };
}
