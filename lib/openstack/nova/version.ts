import * as z from 'zod';
import type { OpenStackSession } from '../session.js';
import { MicroversionUnsupportedError } from '../errors.js';
import { compareMicroversions, MINIMUM_CLOUD_MICROVERSION } from './microversions.js';

const VersionSchema = z
  .object({ version: z.object({ id: z.string(), version: z.string(), min_version: z.string() }) })
  .transform((v) => ({ max: v.version.version, min: v.version.min_version }));
export type ComputeVersion = z.infer<typeof VersionSchema>;

/** GET / of the compute endpoint: the microversion range the cloud offers. */
export async function getComputeVersion(session: OpenStackSession, signal?: AbortSignal): Promise<ComputeVersion> {
  return (await session.request({ service: 'compute', method: 'GET', path: '/', schema: VersionSchema, signal })).data;
}

/** Fail at start-up, not mid-incident, when the cloud is older than we support. */
export async function assertComputeMicroversions(
  session: OpenStackSession,
  signal?: AbortSignal,
): Promise<ComputeVersion> {
  const v = await getComputeVersion(session, signal);
  if (compareMicroversions(v.max, MINIMUM_CLOUD_MICROVERSION) < 0) {
    throw new MicroversionUnsupportedError(
      0,
      `the compute API offers microversions up to ${v.max}; freezer-dr needs ${MINIMUM_CLOUD_MICROVERSION} or newer (Nova Rocky+)`,
    );
  }
  return v;
}
