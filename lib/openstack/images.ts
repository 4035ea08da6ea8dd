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

/** What the evacuable filter reads of an image: its custom (string) properties and its Glance tags. */
export interface ImageMarks {
  id: string;
  properties: Record<string, string>;
  tags: string[];
}

const ImageMarksWire = z
  .object({ id: z.string(), tags: z.array(z.string()).nullish() })
  .catchall(z.unknown())
  .transform(
    (img): ImageMarks => ({
      id: img.id,
      properties: Object.fromEntries(Object.entries(img).filter(([, v]) => typeof v === 'string')) as Record<
        string,
        string
      >,
      tags: img.tags ?? [],
    }),
  );

/** GET /v2/images/{id}: properties and tags (Glance v2 lists tags as an array of strings). */
export async function getImageMarks(
  session: OpenStackSession,
  imageId: string,
  signal?: AbortSignal,
): Promise<ImageMarks> {
  const res = await session.request({
    service: 'image',
    method: 'GET',
    path: `/v2/images/${encodeURIComponent(imageId)}`,
    schema: ImageMarksWire,
    signal,
  });
  return res.data;
}

const ImageListWire = z.object({ images: z.array(ImageMarksWire), next: z.string().nullish() });

/**
 * Every image the account can see (`visibility=all`, Glance API 2.5+), page by page: the
 * population fence_evacuate looks at for "is anything tagged".
 */
export async function listImageMarks(session: OpenStackSession, signal?: AbortSignal): Promise<ImageMarks[]> {
  const images: ImageMarks[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const res = await session.request({
      service: 'image',
      method: 'GET',
      path: '/v2/images',
      query: { visibility: 'all', limit: 1000, marker },
      schema: ImageListWire,
      signal,
    });
    images.push(...res.data.images);
    if (!res.data.next || res.data.images.length === 0) break;
    marker = res.data.images.at(-1)?.id;
  }
  return images;
}
