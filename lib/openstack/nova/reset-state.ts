import type { OpenStackSession } from '../session.js';
import { MICROVERSION } from './microversions.js';
import { postServerAction } from './server-action.js';

/**
 * POST /servers/{id}/action {"os-resetState": {"state": "error"}} (admin, 202): vm_state ERROR and
 * task_state cleared, which makes an instance stuck in a task of a dead host evacuable again.
 * Only ever sent after the host's power-off is confirmed (S1). The body is unchanged since 2.1;
 * the servers microversion is sent so every server call speaks the same version.
 */
export async function resetServerStateToError(
  session: OpenStackSession,
  id: string,
  signal?: AbortSignal,
): Promise<void> {
  // Setting ERROR twice leaves the same state: safe to repeat.
  await postServerAction(
    session,
    id,
    { 'os-resetState': { state: 'error' } },
    { microversion: MICROVERSION.servers, idempotent: true, signal },
  );
}
