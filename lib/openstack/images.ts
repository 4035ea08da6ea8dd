import * as z from 'zod';
import type { OpenStackSession } from './session.js';

const ImageWire = z.record(z.string(), z.unknown());

/** Glance v2 puts custom image properties at the top level of the image. */
export async function getImageProperties(
  session: OpenStackSession,
  imageId: string,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const res = await session.request({
    service: 'image',
    method: 'GET',
    path: `/v2/images/${encodeURIComponent(imageId)}`,
    schema: ImageWire,
    signal,
  });
  return Object.fromEntries(Object.entries(res.data).filter(([, v]) => typeof v === 'string')) as Record<
    string,
    string
  >;
}
