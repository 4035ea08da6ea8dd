import { json, type HttpReply } from '../http.js';
import type { SeedData } from '../seed.js';
import type { NovaCtx } from './context.js';
import { NovaHttpError } from './errors.js';

type Flavor = SeedData['flavors'][number];

function links(ctx: NovaCtx, id: string): unknown[] {
  const compute = ctx.state.endpoints.compute;
  return [
    { rel: 'self', href: `${compute}/flavors/${id}` },
    { rel: 'bookmark', href: `${compute.replace(/\/v2\.1$/, '')}/flavors/${id}` },
  ];
}

function flavorView(ctx: NovaCtx, f: Flavor, detail: boolean): Record<string, unknown> {
  const v: Record<string, unknown> = { id: f.id, name: f.name, links: links(ctx, f.id) };
  if (ctx.minor >= 55) v['description'] = null;
  if (!detail) return v;
  Object.assign(v, {
    ram: f.ram,
    disk: f.disk,
    vcpus: f.vcpus,
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral,
    'OS-FLV-DISABLED:disabled': false,
    // Nova's old quirk: swap 0 is "" until 2.75.
    swap: ctx.minor >= 75 ? f.swap : f.swap === 0 ? '' : f.swap,
    rxtx_factor: 1.0,
    'os-flavor-access:is_public': true,
  });
  if (ctx.minor >= 61) v['extra_specs'] = { ...f.extraSpecs };
  return v;
}

function find(ctx: NovaCtx, id: string): Flavor {
  const f = ctx.state.seed.flavors.find((x) => x.id === id);
  if (!f) throw new NovaHttpError(404, `Flavor ${id} could not be found.`);
  return f;
}

export function listFlavors(ctx: NovaCtx, detail: boolean): HttpReply {
  return json(200, { flavors: ctx.state.seed.flavors.map((f) => flavorView(ctx, f, detail)) });
}

export function showFlavor(ctx: NovaCtx, id: string): HttpReply {
  return json(200, { flavor: flavorView(ctx, find(ctx, id), true) });
}

export function flavorExtraSpecs(ctx: NovaCtx, id: string, key?: string): HttpReply {
  const f = find(ctx, id);
  if (key === undefined) return json(200, { extra_specs: { ...f.extraSpecs } });
  const value = f.extraSpecs[key];
  if (value === undefined) throw new NovaHttpError(404, `Flavor ${id} has no extra specs with key ${key}.`);
  return json(200, { [key]: value });
}
