import type { OpenStackSession } from '../session.js';

/**
 * POST /servers/{id}/action with one action body: every server action (evacuate, lock, unlock,
 * os-resetState) is this request with its own body and microversion. `idempotent` says whether
 * the HTTP client may retry it; an evacuate never is (S5).
 */
export async function postServerAction(
  session: OpenStackSession,
  id: string,
  body: Record<string, unknown>,
  opts: { microversion: string; idempotent: boolean; signal?: AbortSignal },
): Promise<void> {
  await session.request({
    service: 'compute',
    method: 'POST',
    path: `/servers/${encodeURIComponent(id)}/action`,
    body,
    microversion: opts.microversion,
    idempotent: opts.idempotent,
    signal: opts.signal,
  });
}
