import type { SimRequest } from '../http.js';
import { PlacementHttpError } from './errors.js';

/** Placement of Zed (8.0.0) goes up to 1.39 (Yoga added the last one). */
export const PLACEMENT_MAX_MINOR = 39;

/**
 * Placement's negotiation: `OpenStack-API-Version: placement X.Y`; absent means 1.0, "latest"
 * the maximum. A malformed value is 400, a version out of range 406.
 */
export function negotiatePlacementVersion(req: SimRequest): number {
  let raw: string | undefined;
  for (const part of (req.header('openstack-api-version') ?? '').split(',')) {
    const [service, version] = part.trim().split(/\s+/, 2);
    if (service?.toLowerCase() === 'placement') raw = version ?? '';
  }
  if (raw === undefined) return 0;
  if (raw.toLowerCase() === 'latest') return PLACEMENT_MAX_MINOR;
  const m = /^(\d+)\.(\d+)$/.exec(raw);
  if (!m)
    throw new PlacementHttpError(
      400,
      `Invalid microversion: invalid version string: ${raw}; invalid literal for int() with base 10: '${raw.split('.')[0]}'  `,
    );
  const minor = Number(m[2]);
  if (Number(m[1]) !== 1 || minor > PLACEMENT_MAX_MINOR)
    throw new PlacementHttpError(406, `Invalid microversion: Unacceptable version header: ${raw}`, {
      max_version: `1.${PLACEMENT_MAX_MINOR}`,
      min_version: '1.0',
    });
  return minor;
}

export function placementVersionHeaders(minor: number): Record<string, string> {
  return { 'OpenStack-API-Version': `placement 1.${minor}`, Vary: 'openstack-api-version' };
}
