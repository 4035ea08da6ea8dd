import type { EvacuableConfig, MarkSource } from '../config/index.js';
import type { Aggregate, Flavor, ImageMarks, Server } from '../openstack/index.js';

/** oslo's bool_from_string true values: what "true-ish" means for a mark's value. */
const TRUE_VALUES = new Set(['true', '1', 'yes', 'on', 't', 'y']);

export function isTrueish(value: string | undefined | null): boolean {
  return value !== undefined && value !== null && TRUE_VALUES.has(value.trim().toLowerCase());
}

/** The marks in force: the tag on its sources, plus any legacy key=value markers. */
export interface MarkPolicy {
  tag: string | null;
  sources: ReadonlySet<MarkSource>;
  legacy: { flavor?: [string, string]; image?: [string, string]; server?: [string, string] };
}

function keyValue(marker: string | undefined): [string, string] | undefined {
  if (!marker) return undefined;
  const i = marker.indexOf('=');
  return [marker.slice(0, i), marker.slice(i + 1)];
}

/**
 * `tag` unset means `evacuable`, except when a legacy key=value marker is configured: then only
 * the legacy markers count, exactly as before `tag` existed (backward compatibility).
 */
export function markPolicy(e: EvacuableConfig): MarkPolicy {
  const legacy = {
    flavor: keyValue(e.flavorExtraSpec),
    image: keyValue(e.imageProperty),
    server: keyValue(e.serverMetadata),
  };
  const anyLegacy = !!(legacy.flavor ?? legacy.image ?? legacy.server);
  return { tag: e.tag ?? (anyLegacy ? null : 'evacuable'), sources: new Set(e.sources), legacy };
}

const exact = (kv: [string, string] | undefined, bag: Record<string, string> | undefined) =>
  !!kv && !!bag && bag[kv[0]] === kv[1];

/** Whether an image carries the mark: the tag as a true-ish property or as a Glance tag. */
function imageMarked(p: MarkPolicy, img: ImageMarks | undefined): string | null {
  if (!img) return null;
  if (p.tag && p.sources.has('image')) {
    if (isTrueish(img.properties[p.tag])) return `image property ${p.tag}=${img.properties[p.tag]}`;
    if (img.tags.includes(p.tag)) return `image tag ${p.tag}`;
  }
  if (exact(p.legacy.image, img.properties)) return `image property ${p.legacy.image!.join('=')}`;
  return null;
}

function aggregateMarked(p: MarkPolicy, a: Aggregate): string | null {
  if (p.tag && p.sources.has('aggregate') && isTrueish(a.metadata[p.tag]))
    return `aggregate ${a.name} metadata ${p.tag}=${a.metadata[p.tag]}`;
  return null;
}

/**
 * Why this instance counts as marked evacuable (which source said so), or null. `hostAggregates`
 * are the aggregates its (failed) host belongs to.
 */
export function markOf(
  p: MarkPolicy,
  s: Server,
  images: ReadonlyMap<string, ImageMarks>,
  hostAggregates: readonly Aggregate[],
): string | null {
  if (p.tag && p.sources.has('flavor') && isTrueish(s.flavorExtraSpecs[p.tag]))
    return `flavor extra spec ${p.tag}=${s.flavorExtraSpecs[p.tag]}`;
  if (exact(p.legacy.flavor, s.flavorExtraSpecs)) return `flavor extra spec ${p.legacy.flavor!.join('=')}`;
  const image = imageMarked(p, s.imageId ? images.get(s.imageId) : undefined);
  if (image) return image;
  if (p.tag && p.sources.has('server') && isTrueish(s.metadata[p.tag]))
    return `server metadata ${p.tag}=${s.metadata[p.tag]}`;
  if (exact(p.legacy.server, s.metadata)) return `server metadata ${p.legacy.server!.join('=')}`;
  for (const a of hostAggregates) {
    const why = aggregateMarked(p, a);
    if (why) return why;
  }
  return null;
}

/** The population `all-unless-any-tagged` looks at (see the README's truth table). */
export interface MarkPopulation {
  flavors: readonly Flavor[];
  images: readonly ImageMarks[];
  aggregates: readonly Aggregate[];
  /** The failed host's instances: server metadata elsewhere in the cloud is not read. */
  servers: readonly Server[];
}

/** Where the first mark in the population is, or null when nothing carries one. */
export function firstMarked(p: MarkPolicy, pop: MarkPopulation): string | null {
  for (const f of pop.flavors) {
    if (p.tag && p.sources.has('flavor') && isTrueish(f.extraSpecs[p.tag]))
      return `flavor ${f.name} (${p.tag}=${f.extraSpecs[p.tag]})`;
    if (exact(p.legacy.flavor, f.extraSpecs)) return `flavor ${f.name} (${p.legacy.flavor!.join('=')})`;
  }
  for (const img of pop.images) {
    const why = imageMarked(p, img);
    if (why) return `image ${img.id} (${why})`;
  }
  for (const a of pop.aggregates) {
    const why = aggregateMarked(p, a);
    if (why) return why;
  }
  for (const s of pop.servers) {
    const byServer = markOf(
      { ...p, sources: new Set(['server']), legacy: { server: p.legacy.server } },
      s,
      new Map(),
      [],
    );
    if (byServer) return `instance ${s.name} (${byServer})`;
  }
  return null;
}
