import type { z } from 'zod';
import { assessEvacuation } from '../../evacuation/index.js';
import { newInstanceRecord, type InstanceRecord } from '../../evacuation/index.js';
import { NotFoundError, ConflictError } from '../../openstack/index.js';
import { listEvacuationMigrations } from '../../openstack/index.js';
import { MICROVERSION } from '../../openstack/index.js';
import { evacuateServer, getServer } from '../../openstack/index.js';
import { recordEvent, type Runtime } from '../runtime.js';
import { publishInstanceSettled } from '../events.js';
import type { CheckStepInputSchema, EvacuateStepInputSchema, EvacuationState } from '../schemas.js';

type Item = z.infer<typeof EvacuateStepInputSchema>;

async function loadRecord(rt: Runtime, input: Item): Promise<InstanceRecord> {
  return (
    (await rt.store.getInstance(input.incidentId, input.instance.id)) ??
    newInstanceRecord(input.incidentId, input.host, input.instance)
  );
}

const FINAL = new Set(['evacuated', 'failed', 'timeout', 'skipped'] as const);
type FinalOutcome = 'evacuated' | 'failed' | 'timeout' | 'skipped';
const isFinal = (o: InstanceRecord['outcome']): o is FinalOutcome => FINAL.has(o as FinalOutcome);

/** The state of an instance this incident has already finished with: reported again, never redone. */
function settled(rec: InstanceRecord & { outcome: FinalOutcome }, startedAt: string): EvacuationState {
  return {
    instanceId: rec.instanceId,
    status: rec.outcome,
    targetHost: rec.targetHost,
    reason: rec.reason,
    startedAt: rec.startedAt ?? startedAt,
  };
}

/** `migrationId` doubles as "how many evacuation migrations existed before ours" (see assessEvacuation). */
async function finish(
  rt: Runtime,
  rec: InstanceRecord,
  outcome: FinalOutcome,
  targetHost: string | null,
  reason: string | null,
): Promise<EvacuationState> {
  const now = rt.now().toISOString();
  await rt.store.putInstance({ ...rec, outcome, targetHost, reason, finishedAt: now, startedAt: rec.startedAt ?? now });
  const label =
    outcome === 'evacuated'
      ? `${rec.name} evacuated ${rec.sourceHost} → ${targetHost} and verified`
      : `${rec.name} ${outcome}: ${reason}`;
  await recordEvent(rt, rec.incidentId, 'evacuate', label, rec.instanceId);
  await publishInstanceSettled(rt, { ...rec, outcome, targetHost, reason });
  return { instanceId: rec.instanceId, status: outcome, targetHost, reason, startedAt: rec.startedAt ?? now };
}

/**
 * Evacuate one instance, safely repeatable (S5): Nova's own view (host, task state, migrations)
 * is read first, and the request is sent only when nothing of ours is in flight or done.
 * The record is written before the request, so a crash in between is seen on resume.
 */
export async function evacuateStep(rt: Runtime, input: Item): Promise<EvacuationState> {
  const rec = await loadRecord(rt, input);
  if (isFinal(rec.outcome)) return settled({ ...rec, outcome: rec.outcome }, rt.now().toISOString());
  let server;
  try {
    server = await getServer(rt.session, rec.instanceId);
  } catch (err) {
    if (err instanceof NotFoundError) return finish(rt, rec, 'skipped', null, 'the instance was deleted');
    throw err;
  }
  const migrations = await listEvacuationMigrations(rt.session, rec.instanceId);
  const before = rec.requests > 0 ? (rec.migrationId ?? 0) : migrations.length;
  const state = assessEvacuation(server, input.host, migrations, before, rec.requests > 0);
  const startedAt = rec.startedAt ?? rt.now().toISOString();
  switch (state.kind) {
    case 'evacuated':
      return finish(rt, { ...rec, startedAt }, 'evacuated', state.targetHost, null);
    case 'failed':
      return finish(rt, { ...rec, startedAt }, 'failed', null, state.reason);
    case 'in-progress':
      await rt.store.putInstance({ ...rec, outcome: 'evacuating', startedAt });
      return { instanceId: rec.instanceId, status: 'in-progress', targetHost: null, reason: null, startedAt };
    case 'ready':
      break;
  }
  await rt.store.putInstance({
    ...rec,
    outcome: 'evacuating',
    requests: rec.requests + 1,
    migrationId: migrations.length,
    startedAt,
  });
  const microversion =
    rt.config.evacuation.microversionPolicy === 'stopped-at-destination'
      ? MICROVERSION.evacuateStopped
      : MICROVERSION.evacuateClassic;
  try {
    await evacuateServer(rt.session, rec.instanceId, { targetHost: rt.config.evacuation.targetHost, microversion });
  } catch (err) {
    if (err instanceof ConflictError)
      return finish(
        rt,
        { ...rec, requests: rec.requests + 1, startedAt },
        'failed',
        null,
        `Nova refused the evacuation: ${err.message}`,
      );
    throw err;
  }
  await recordEvent(
    rt,
    input.incidentId,
    'evacuate',
    `evacuating ${rec.name} (${rec.instanceId}) from ${input.host}`,
    rec.instanceId,
  );
  return { instanceId: rec.instanceId, status: 'in-progress', targetHost: null, reason: null, startedAt };
}

/** One check of an evacuation in flight: done only when the instance is settled on another host. */
export async function checkStep(rt: Runtime, input: z.infer<typeof CheckStepInputSchema>): Promise<EvacuationState> {
  const rec = await loadRecord(rt, input);
  if (isFinal(rec.outcome)) return settled({ ...rec, outcome: rec.outcome }, input.evac.startedAt);
  const server = await getServer(rt.session, rec.instanceId);
  const migrations = await listEvacuationMigrations(rt.session, rec.instanceId);
  const state = assessEvacuation(server, input.host, migrations, rec.migrationId ?? 0, rec.requests > 0);
  if (state.kind === 'evacuated') return finish(rt, rec, 'evacuated', state.targetHost, null);
  if (state.kind === 'failed') return finish(rt, rec, 'failed', null, state.reason);
  if (state.kind === 'ready') return finish(rt, rec, 'failed', null, 'Nova has no record of our evacuation request');
  const elapsed = (rt.now().getTime() - new Date(input.evac.startedAt).getTime()) / 1000;
  if (elapsed > rt.config.evacuation.instanceTimeoutSeconds) {
    return finish(
      rt,
      rec,
      'timeout',
      null,
      `not ACTIVE on another host after ${Math.round(elapsed)} s (${state.detail})`,
    );
  }
  return { ...input.evac, status: 'in-progress' };
}
