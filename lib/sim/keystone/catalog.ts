import { hexIdFrom } from '../ids.js';
import type { CloudState } from '../state.js';

export const REGION = 'RegionOne';

const INTERFACES = ['public', 'internal', 'admin'] as const;

/** The service catalog of a scoped token: identity, compute, image and placement, one URL per service for all interfaces. */
export function catalog(state: CloudState): unknown[] {
  const entry = (type: string, name: string, url: string) => ({
    endpoints: INTERFACES.map((iface) => ({
      id: hexIdFrom(`endpoint:${name}:${iface}`),
      interface: iface,
      region: REGION,
      region_id: REGION,
      url,
    })),
    id: hexIdFrom(`service:${name}`),
    type,
    name,
  });
  return [
    entry('identity', 'keystone', state.endpoints.identity),
    entry('compute', 'nova', state.endpoints.compute),
    entry('image', 'glance', state.endpoints.image),
    ...(state.endpoints.placement ? [entry('placement', 'placement', state.endpoints.placement)] : []),
  ];
}
