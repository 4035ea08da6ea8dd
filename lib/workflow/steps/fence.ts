import { fenceOff } from '../../fencing/index.js';
import type { FenceResult } from '../../fencing/index.js';
import { errorMessage } from '../../errors.js';
import { recordEvent, type Runtime } from '../runtime.js';
import type * as z from 'zod';
import type { FenceStepInputSchema } from '../schemas.js';

/**
 * Power the host off through its BMC and confirm it reads off (S1). A host already confirmed
 * off for this incident (a resumed run) is not fenced again. An operator's confirmation in the
 * input replaces the BMC: that is a person's judgement, recorded as such.
 */
export async function fenceStep(rt: Runtime, input: z.infer<typeof FenceStepInputSchema>): Promise<FenceResult> {
  const incident = await rt.store.getIncident(input.incidentId);
  if (incident?.fence) {
    await recordEvent(
      rt,
      input.incidentId,
      'fence',
      `${input.host} already confirmed off at ${incident.fence.confirmedAt} (${incident.fence.method}); not fencing again`,
    );
    return incident.fence;
  }
  await rt.store.updateIncident(input.incidentId, { status: 'fencing' });
  let result: FenceResult;
  if (input.fence === 'confirmed-by-operator') {
    result = {
      fenced: true,
      method: 'operator',
      target: 'operator confirmation',
      confirmedAt: rt.now().toISOString(),
      attempts: 0,
      alreadyOff: false,
    };
    await recordEvent(
      rt,
      input.incidentId,
      'fence',
      `${input.host} confirmed powered off by the operator (no BMC used)`,
    );
  } else {
    const fencer = await rt.fencerFor(input.host);
    await recordEvent(rt, input.incidentId, 'fence', `powering off ${input.host} via ${fencer.target}`);
    try {
      result = await fenceOff(fencer, {
        powerTimeoutMs: rt.config.fencing.powerTimeoutSeconds * 1000,
        pollIntervalMs: rt.config.fencing.pollIntervalSeconds * 1000,
      });
    } catch (err) {
      await recordEvent(rt, input.incidentId, 'fence', `fence of ${input.host} NOT confirmed: ${errorMessage(err)}`);
      await rt.store.updateIncident(input.incidentId, {
        error: { name: (err as Error).name ?? 'Error', message: errorMessage(err) },
      });
      throw err;
    }
    await recordEvent(
      rt,
      input.incidentId,
      'fence',
      `${input.host} confirmed powered off (${result.method}, ${result.alreadyOff ? 'was already off' : `${result.attempts} status reads`})`,
    );
  }
  await rt.store.updateIncident(input.incidentId, { status: 'fenced', fence: result, error: null });
  return result;
}
