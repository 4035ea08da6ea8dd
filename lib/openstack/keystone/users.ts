import * as z from 'zod';
import type { OpenStackSession } from '../session.js';

const UserWire = z
  .object({
    user: z
      .object({ id: z.string(), name: z.string(), email: z.string().nullish(), enabled: z.boolean().default(true) })
      .loose(),
  })
  .transform((u) => ({ id: u.user.id, name: u.user.name, email: u.user.email ?? null, enabled: u.user.enabled }));
export type User = z.output<typeof UserWire>;

/** GET /v3/users/{id}; `email` is an optional attribute in Keystone and may be missing. */
export async function getUser(session: OpenStackSession, id: string, signal?: AbortSignal): Promise<User> {
  return (
    await session.request({
      service: 'identity',
      method: 'GET',
      path: `/users/${encodeURIComponent(id)}`,
      schema: UserWire,
      signal,
    })
  ).data;
}
