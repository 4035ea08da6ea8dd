import { afterEach, describe, expect, test } from '@jest/globals';
import { taskHandlers } from '../../functions/index.js';
import { incidentIdFor } from '../../lib/incidents/index.js';
import { runLocalExecution, type LambdaHandler } from '../../lib/workflow/local-runner.js';
import { evacuateRoundStep } from '../../lib/workflow/steps/evacuate.js';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

let env: RecoveryEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

const evacuatePosts = (e: RecoveryEnv) =>
  e.sim.requestLog.filter(
    (r) =>
      r.service === 'nova' && r.method === 'POST' && r.path.includes('/action') && !!r.body?.includes('"evacuate"'),
  );

/** Run the real state machine up to the end of the first Evacuate round, then stop it (a crash). */
async function stopAfterFirstRound(e: RecoveryEnv, host: string) {
  const incidentId = incidentIdFor(host, new Date());
  const abort = new AbortController();
  const evacuate: LambdaHandler = async (event, ctx) => {
    const out = await taskHandlers.evacuate!(event, ctx);
    abort.abort();
    return out;
  };
  const input = { incidentId, host, reason: 'test', detectedAt: new Date().toISOString(), requestedBy: 'test' };
  const run = await runLocalExecution(incidentId, input, {
    handlers: { ...taskHandlers, evacuate },
    signal: abort.signal,
  });
  expect(run.status).toBe('FAILED');
  return incidentId;
}

describe('Evacuate rounds (S5, host-wide listings)', () => {
  test('an instance whose record was lost while Nova evacuates it is followed, never sent again (S5)', async () => {
    env = await startRecoveryEnv({ sim: { rebuildMs: 1500 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const incidentId = await stopAfterFirstRound(env, host);
    const sent = evacuatePosts(env).length;
    expect(sent).toBeGreaterThan(0);

    // The store lost what the first round wrote (a restore from backup, a power cut): only Nova knows.
    for (const rec of await env.rt.store.listInstances(incidentId))
      if (rec.outcome === 'evacuating')
        await env.rt.store.putInstance({
          ...rec,
          outcome: 'pending',
          requests: 0,
          migrationId: null,
          startedAt: null,
          requestedAt: null,
          acceptedAt: null,
        });

    let round = 1;
    for (;;) {
      const out = await evacuateRoundStep(env.rt, { incidentId, host, round });
      round = out.round;
      if (out.done) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const posts = evacuatePosts(env).map((r) => r.path);
    expect(new Set(posts).size).toBe(posts.length);
    const records = await env.rt.store.listInstances(incidentId);
    const evacuated = records.filter((r) => r.outcome === 'evacuated');
    expect(evacuated.length).toBe(posts.length);
    for (const m of env.sim.snapshot().migrations) expect(m.status).toBe('done');
  });

  test('one round reads the host with two listings, however many instances are in flight', async () => {
    env = await startRecoveryEnv({ sim: { rebuildMs: 3000 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const incidentId = await stopAfterFirstRound(env, host);
    const inFlight = (await env.rt.store.listInstances(incidentId)).filter((r) => r.outcome === 'evacuating');
    expect(inFlight.length).toBeGreaterThan(1);
    const from = env.sim.requestLog.length;
    const out = await evacuateRoundStep(env.rt, { incidentId, host, round: 1 });
    expect(out.inFlight).toBe(inFlight.length);
    const calls = env.sim.requestLog.slice(from).filter((r) => r.service === 'nova');
    expect(calls.map((c) => `${c.method} ${c.path.split('?')[0]}`).sort()).toEqual([
      'GET /v2.1/os-migrations',
      'GET /v2.1/servers/detail',
    ]);
  });
});
