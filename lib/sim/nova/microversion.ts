import type { SimRequest } from '../http.js';
import { NovaHttpError } from './errors.js';

/** Compute microversions are all 2.x; the sim works with the minor number. */
export function minorOf(version: string): number {
  return Number(version.split('.')[1]);
}

export function formatMinor(minor: number): string {
  return `2.${minor}`;
}

/**
 * Nova's negotiation: `OpenStack-API-Version: compute X.Y` first (one entry of a comma list),
 * else the legacy `X-OpenStack-Nova-API-Version`, else 2.1. "latest" means the maximum.
 * A malformed value is 400; a version out of range is 406 (InvalidGlobalAPIVersion).
 */
export function negotiateMicroversion(req: SimRequest, maxMinor: number): number {
  let raw: string | undefined;
  const header = req.header('openstack-api-version');
  if (header) {
    for (const part of header.split(',')) {
      const [service, version] = part.trim().split(/\s+/, 2);
      if (service?.toLowerCase() === 'compute') raw = version ?? '';
    }
  }
  if (raw === undefined) raw = req.header('x-openstack-nova-api-version')?.trim();
  if (raw === undefined) return 1;
  if (raw.toLowerCase() === 'latest') return maxMinor;
  const m = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(raw);
  if (!m)
    throw new NovaHttpError(
      400,
      `API Version String ${raw} is of invalid format. Must be of format MajorNum.MinorNum.`,
    );
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 2 || minor < 1 || minor > maxMinor) {
    throw new NovaHttpError(
      406,
      `Version ${raw} is not supported by the API. Minimum is 2.1 and maximum is ${formatMinor(maxMinor)}.`,
    );
  }
  return minor;
}

export function microversionHeaders(minor: number): Record<string, string> {
  return {
    'OpenStack-API-Version': `compute ${formatMinor(minor)}`,
    'X-OpenStack-Nova-API-Version': formatMinor(minor),
    Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
  };
}
