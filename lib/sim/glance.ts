import { createHash } from 'node:crypto';
import { authenticate, unauthorized } from './auth.js';
import { isoSecondsZ } from './clock.js';
import { json, text, type HttpReply, type SimRequest } from './http.js';
import type { SeedData } from './seed.js';
import type { CloudState } from './state.js';

type Image = SeedData['images'][number];

/**
 * Glance v2 images, read-only: enough for an "image property" evacuable filter. Custom
 * properties are top-level keys of the image, next to the standard ones, as Glance returns them.
 */
function imageView(state: CloudState, img: Image): Record<string, unknown> {
  const created = state.clock.now() - 90 * 24 * 3_600_000;
  const hash = createHash('sha512').update(img.id).digest('hex');
  return {
    ...img.properties,
    id: img.id,
    name: img.name,
    status: 'active',
    visibility: 'public',
    protected: false,
    os_hidden: false,
    checksum: createHash('md5').update(img.id).digest('hex'),
    os_hash_algo: 'sha512',
    os_hash_value: hash,
    owner: state.seed.admin.projectId,
    size: img.sizeBytes,
    virtual_size: null,
    min_ram: 0,
    min_disk: img.minDisk,
    disk_format: 'qcow2',
    container_format: 'bare',
    created_at: isoSecondsZ(created),
    updated_at: isoSecondsZ(created),
    tags: [...(img.tags ?? [])],
    self: `/v2/images/${img.id}`,
    file: `/v2/images/${img.id}/file`,
    schema: '/v2/schemas/image',
  };
}

export function glanceHandler(state: CloudState) {
  return (req: SimRequest): HttpReply => {
    if (req.path === '/' && req.method === 'GET') {
      return json(300, {
        versions: [{ id: 'v2.16', status: 'CURRENT', links: [{ rel: 'self', href: `${state.endpoints.image}/v2/` }] }],
      });
    }
    if (!authenticate(state, req)) return unauthorized(state);
    if (req.method !== 'GET')
      return text(405, '405 Method Not Allowed\n\nThe method is not allowed for this resource.\n\n');
    if (req.path === '/v2/images') {
      return json(200, {
        images: state.seed.images.map((i) => imageView(state, i)),
        schema: '/v2/schemas/images',
        first: '/v2/images',
      });
    }
    const m = /^\/v2\/images\/([^/]+)$/.exec(req.path);
    if (m) {
      const img = state.seed.images.find((i) => i.id === m[1]);
      // Glance answers its 404s in plain text, not JSON.
      if (!img) return text(404, `404 Not Found\n\nNo image found with ID ${m[1]}\n\n`);
      return json(200, imageView(state, img));
    }
    return text(404, '404 Not Found\n\nThe resource could not be found.\n\n');
  };
}
