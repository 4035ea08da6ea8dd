import { afterEach, describe, expect, test } from '@jest/globals';
import { simpleParser } from 'mailparser';
import { runLocalExecution } from '../../lib/workflow/local-runner.js';
import { taskHandlers } from '../../functions/index.js';
import { incidentIdFor } from '../../lib/incidents/index.js';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

let env: RecoveryEnv | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('resume (S5)', () => {
  test('a run stopped mid-evacuation and started again neither re-fences nor re-evacuates', async () => {
    env = await startRecoveryEnv({ sim: { rebuildMs: 600 } });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const incidentId = incidentIdFor(host, new Date());
    const input = { incidentId, host, reason: 'test', detectedAt: new Date().toISOString(), requestedBy: 'test' };
    const timing = { waitMs: { WaitForEvacuation: 50 }, retryMs: { EvacuateRound: 20 } };

    const abort = new AbortController();
    const first = runLocalExecution(incidentId, input, { handlers: taskHandlers, ...timing, signal: abort.signal });
    const posts = () =>
      env!.sim.requestLog.filter(
        (r) => r.method === 'POST' && r.path.includes('/action') && !!r.body?.includes('"evacuate"'),
      );
    while (posts().length === 0) await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    expect((await first).status).toBe('FAILED');
    // The aborted runner starts nothing new, but the Task in flight finishes on its own (as at a
    // Ctrl-C): its evacuate is answered and recorded before the second run begins.
    const recorded = async () => (await env!.rt.store.listEvents(incidentId)).some((e) => e.step === 'evacuate');
    for (let i = 0; i < 500 && !(await recorded()); i++) await new Promise((r) => setTimeout(r, 10));
    const sentBefore = posts().length;
    expect((await env.rt.store.getIncident(incidentId))?.status).toBe('evacuating');

    const second = await runLocalExecution(incidentId, input, { handlers: taskHandlers, ...timing });
    expect(second.status).toBe('SUCCEEDED');
    const incident = await env.rt.store.getIncident(incidentId);
    expect(incident?.status).toBe('resolved');
    // Fenced once: the second run found the confirmed power-off in the store.
    expect(
      env.sim.requestLog.filter((r) => r.service === 'redfish' && r.method === 'POST' && r.path.includes('Reset')),
    ).toHaveLength(1);
    // Every instance evacuated exactly once, across both runs.
    const all = posts().map((r) => r.path);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(sentBefore);
    const evacuated = (await env.rt.store.listInstances(incidentId)).filter((i) => i.outcome === 'evacuated');
    expect(evacuated).toHaveLength(all.length);
    for (const m of env.sim.snapshot().migrations) expect(m.status).toBe('done');

    // The timeline tells the story: one resume, recorded by the second execution, after the
    // evacuation the first one sent; the admins' summary shows the interruption.
    const events = await env.rt.store.listEvents(incidentId);
    const resumes = events.filter((e) => e.step === 'resume');
    expect(resumes).toHaveLength(1);
    expect(resumes[0]!.message).toMatch(/^resumed by a new execution .*the previous run stopped while evacuating/);
    const firstEvacuate = events.findIndex((e) => e.step === 'evacuate');
    expect(firstEvacuate).toBeGreaterThanOrEqual(0);
    expect(firstEvacuate).toBeLessThan(events.indexOf(resumes[0]!));
    const summary = env.smtp.messages.find((m) => m.envelopeTo.includes('ops@example.org'));
    const text = (await simpleParser(summary!.raw)).text ?? '';
    expect(text).toMatch(/Interrupted \(no run in progress\):/);
    expect(text).toMatch(/resume +resumed by a new execution/);
  });
});
