import { publishEvent } from '../events/index.js';
import type { InstanceRecord } from '../evacuation/index.js';
import type { RecoveryOutcome } from './outcome.js';
import type { Runtime } from './runtime.js';

/** `instance.evacuated` / `instance.failed` (failed or timed out) when an instance settles; nothing for a skipped one. */
export async function publishInstanceSettled(rt: Runtime, rec: InstanceRecord): Promise<void> {
  if (rec.outcome !== 'evacuated' && rec.outcome !== 'failed' && rec.outcome !== 'timeout') return;
  await publishEvent(
    rt,
    rec.outcome === 'evacuated' ? 'instance.evacuated' : 'instance.failed',
    { incidentId: rec.incidentId, host: rec.sourceHost },
    {
      instance: {
        id: rec.instanceId,
        name: rec.name,
        projectId: rec.projectId,
        sourceHost: rec.sourceHost,
        targetHost: rec.targetHost,
        outcome: rec.outcome,
        reason: rec.reason,
      },
    },
  );
}

/** The one event that closes a recovery: completed, partial or failed (with the outcome that says which failure). */
export async function publishRecoveryClosed(
  rt: Runtime,
  ref: { incidentId: string; host: string },
  outcome: RecoveryOutcome,
  instances: readonly InstanceRecord[],
  error: string | null,
): Promise<void> {
  const evacuated = instances.filter((i) => i.outcome === 'evacuated').length;
  const notRecovered = instances.filter((i) => i.outcome !== 'evacuated' && i.outcome !== 'skipped').length;
  if (outcome === 'resolved') await publishEvent(rt, 'recovery.completed', ref, { outcome, evacuated });
  else if (outcome === 'partial') await publishEvent(rt, 'recovery.partial', ref, { outcome, evacuated, notRecovered });
  else await publishEvent(rt, 'recovery.failed', ref, { outcome, evacuated, notRecovered, error });
}
