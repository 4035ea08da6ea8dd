import { fenceOff } from '../../fencing/index.js';
import type { FenceResult } from '../../fencing/index.js';
import { errorMessage } from '../../errors.js';
import { recordEvent, type Runtime } from '../runtime.js';
import { recordMetric, secondsBetween } from '../../metrics/index.js';
import { publishEvent } from '../../events/index.js';
import type * as z from 'zod';
import type { FenceStepInputSchema } from '../schemas.js';
import { FenceNotRecordedError } from '../errors.js';

/**
 * Power the host off through its BMC and confirm it reads off (S1). A host already confirmed
 * off for this incident (a resumed run) is not fenced again. An operator's confirmation in the
 * input replaces the BMC: that is a person's judgement, recorded as such.
 */
export async function fenceStep(
  rt: Runtime,
  input: z.infer<typeof FenceStepInputSchema>,
  signal?: AbortSignal,
): Promise<FenceResult> {
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
  await recorded(input.host, null, () => rt.store.updateIncident(input.incidentId, { status: 'fencing' }));
  const result =
    input.fence === 'confirmed-by-operator'
      ? await operatorConfirmed(rt, input)
      : await fenceThroughBmc(rt, input, signal);
  await recorded(input.host, result, () =>
    rt.store.updateIncident(input.incidentId, { status: 'fenced', fence: result, error: null }),
  );
  return result;
}

/**
 * A store write of the fence step. When it fails (full disk, read-only or broken store) the
 * error says whether the host was already powered off, so nobody reads "NOT confirmed" for a
 * host that is off.
 */
async function recorded<T>(host: string, result: FenceResult | null, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const how =
      result?.method === 'operator' ? 'confirmed by the operator' : `read off through ${result?.method ?? 'its BMC'}`;
    throw new FenceNotRecordedError(host, result ? { at: result.confirmedAt, how } : null, err);
  }
}

/** A person's confirmation replaces the BMC: recorded as theirs, never as a power reading. */
async function operatorConfirmed(rt: Runtime, input: z.infer<typeof FenceStepInputSchema>): Promise<FenceResult> {
  recordMetric('fenceAttempts', 1, { driver: 'operator' });
  recordMetric('fenceResults', 1, { driver: 'operator', result: 'confirmed' });
  const result: FenceResult = {
    fenced: true,
    method: 'operator',
    target: 'operator confirmation',
    confirmedAt: rt.now().toISOString(),
    attempts: 0,
    alreadyOff: false,
  };
  await publishEvent(
    rt,
    'fence.confirmed',
    { incidentId: input.incidentId, host: input.host },
    { driver: 'operator', attempts: 0, alreadyOff: false },
  );
  await recorded(input.host, result, () =>
    recordEvent(rt, input.incidentId, 'fence', `${input.host} confirmed powered off by the operator (no BMC used)`),
  );
  return result;
}

/** The BMC path: power off and confirm (S1), with its metrics, events and timeline. */
async function fenceThroughBmc(
  rt: Runtime,
  input: z.infer<typeof FenceStepInputSchema>,
  signal?: AbortSignal,
): Promise<FenceResult> {
  const fencer = await rt.fencerFor(input.host);
  await recorded(input.host, null, () =>
    recordEvent(rt, input.incidentId, 'fence', `powering off ${input.host} via ${fencer.target}`),
  );
  const driver = fencer.method;
  const fenceStart = rt.now().toISOString();
  recordMetric('fenceAttempts', 1, { driver });
  const ref = { incidentId: input.incidentId, host: input.host };
  await publishEvent(rt, 'fence.started', ref, { driver });
  let result: FenceResult;
  try {
    result = await fenceOff(fencer, {
      powerTimeoutMs: rt.config.fencing.powerTimeoutSeconds * 1000,
      pollIntervalMs: rt.config.fencing.pollIntervalSeconds * 1000,
      signal,
    });
  } catch (err) {
    recordMetric('fenceResults', 1, { driver, result: 'failed' });
    recordMetric('fenceDuration', secondsBetween(fenceStart, rt.now().toISOString()), { driver });
    await publishEvent(rt, 'fence.failed', ref, { driver, error: (err as Error).name ?? 'Error' });
    // The BMC's error is what happened; a store that also fails must not hide it.
    try {
      await recordEvent(rt, input.incidentId, 'fence', `fence of ${input.host} NOT confirmed: ${errorMessage(err)}`);
      await rt.store.updateIncident(input.incidentId, {
        error: { name: (err as Error).name ?? 'Error', message: errorMessage(err) },
      });
    } catch (storeErr) {
      rt.log.error('could not record the failed fence in the store', { error: errorMessage(storeErr) });
    }
    throw err;
  }
  recordMetric('fenceResults', 1, { driver, result: 'confirmed' });
  recordMetric('fenceDuration', secondsBetween(fenceStart, rt.now().toISOString()), { driver });
  await publishEvent(rt, 'fence.confirmed', ref, {
    driver,
    attempts: result.attempts,
    alreadyOff: result.alreadyOff,
  });
  await recorded(input.host, result, () =>
    recordEvent(
      rt,
      input.incidentId,
      'fence',
      `${input.host} confirmed powered off (${result.method}, ${result.alreadyOff ? 'was already off' : `${result.attempts} status reads`})`,
    ),
  );
  return result;
}
