import { afterEach, describe, expect, test } from '@jest/globals';
import { simpleParser } from 'mailparser';
import { runLocalExecution, type LambdaHandler } from '../../lib/workflow/local-runner.js';
import { EXECUTION_ERRORS } from '../../lib/workflow/outcome.js';
import { createPrometheusRegistry, setMetricSinks } from '../../lib/metrics/index.js';
import { busiestHost, startRecoveryEnv, type RecoveryEnv } from '../support/recovery-env.js';

/**
 * Every path of a recovery that did not recover everything ends the execution in a Fail state
 * with its own error name, after Notify ran (issue 15 §1), so the ExecutionsFailed alarm sees it.
 * First over the real ASL with stand-in Tasks (every branch, fast), then end to end on the simulator.
 */

const input = {
  incidentId: 'inc-x',
  host: 'compute-1',
  reason: 'test',
  detectedAt: '2026-11-30T00:00:00Z',
  requestedBy: 'test',
};

function standIns(over: Partial<Record<string, LambdaHandler>> = {}): {
  handlers: Record<string, LambdaHandler>;
  calls: string[];
} {
  const calls: string[] = [];
  const step =
    (name: string, out: (e: Record<string, unknown>) => unknown): LambdaHandler =>
    async (e: Record<string, unknown>) => {
      calls.push(name);
      return out(e);
    };
  const base: Record<string, LambdaHandler> = {
    validate: step('validate', (e) => ({ ...e, dryRun: false, fence: 'bmc' })),
    fence: step('fence', () => ({
      fenced: true,
      method: 'noop',
      target: 't',
      confirmedAt: input.detectedAt,
      attempts: 1,
    })),
    isolate: step('isolate', () => ({ serviceId: 's', forcedDownAt: 'x', disabledAt: 'x', disabledReason: 'x' })),
    plan: step('plan', () => ({
      host: 'compute-1',
      items: [{ id: 'i-1' }],
      skipped: [],
      plannedAt: 'x',
      concurrency: 1,
      postFenceDelaySeconds: 0,
      reservedHostsConfigured: false,
    })),
    evacuate: step('evacuate', () => ({
      round: 1,
      done: true,
      pending: 0,
      inFlight: 0,
      finished: 1,
      nextCheckAt: new Date().toISOString(),
      results: [{ instanceId: 'i-1', status: 'evacuated', targetHost: 'h', reason: null, startedAt: 'x' }],
    })),
    notify: step('notify', () => ({ status: 'resolved', delivered: 1, failed: 0, summary: 'stand-in: resolved' })),
    notifyFenceFailed: step('notifyFenceFailed', () => ({
      status: 'fence-failed',
      delivered: 1,
      failed: 0,
      summary: 'stand-in: fence-failed',
    })),
    targets: step('targets', () => ({ reservedHost: null, status: 'none', mode: 'scheduler' })),
  };
  for (const [k, h] of Object.entries(over)) {
    const inner = h!;
    base[k] = async (e: unknown, c: unknown) => {
      calls.push(k);
      return inner(e, c);
    };
  }
  return { handlers: base, calls };
}

const named = (name: string) => Object.assign(new Error(`${name} happened`), { name });
const throwing =
  (name: string): LambdaHandler =>
  async () => {
    throw named(name);
  };

describe('the ASL ends every unsuccessful recovery in a named Fail state, after notifying', () => {
  test.each([
    ['resolved', 'SUCCEEDED', undefined],
    ['partial', 'FAILED', EXECUTION_ERRORS.partial],
    ['failed', 'FAILED', EXECUTION_ERRORS.failed],
    ['timed-out', 'FAILED', EXECUTION_ERRORS['timed-out']],
    ['fence-failed', 'FAILED', EXECUTION_ERRORS['fence-failed']],
  ])('Notify says %s → %s %s', async (status, execStatus, error) => {
    const summary = `the notify step's own words for ${status}`;
    const { handlers, calls } = standIns({ notify: async () => ({ status, delivered: 1, failed: 0, summary }) });
    const r = await runLocalExecution('x', input, { handlers });
    expect(r.status).toBe(execStatus);
    expect(r.error?.Error).toBe(error);
    if (error) expect(r.error?.Cause).toBe(summary);
    expect(calls.at(-1)).toBe('notify');
  });

  test('a step failing after Fence: ReportFailure runs, then RecoveryFailed', async () => {
    const { handlers, calls } = standIns({
      isolate: throwing('ComputeServiceInUseError'),
      notify: async (e: { failure?: { Error: string } }) => ({
        status: e.failure ? 'failed' : 'resolved',
        summary: 'stand-in',
        delivered: 1,
        failed: 0,
      }),
    });
    const r = await runLocalExecution('x', input, { handlers, retryMs: { Isolate: 1 } });
    expect(r).toMatchObject({ status: 'FAILED', error: { Error: 'RecoveryFailed' } });
    expect(calls.slice(-2)).toEqual(['isolate', 'notify']);
  });

  test('a step that ran past its timeout: ReportFailure says timed-out, then RecoveryTimedOut', async () => {
    const { handlers } = standIns({
      plan: throwing('States.Timeout'),
      notify: async () => ({ status: 'timed-out', delivered: 1, failed: 0, summary: 'stand-in: timed-out' }),
    });
    const r = await runLocalExecution('x', input, { handlers, retryMs: { Plan: 1 } });
    expect(r).toMatchObject({ status: 'FAILED', error: { Error: 'RecoveryTimedOut' } });
  });

  test('fence not confirmed: NotifyFenceFailed runs, then FenceNotConfirmed; also when that mail fails', async () => {
    const told = standIns({ fence: throwing('PowerOffTimeoutError') });
    const r = await runLocalExecution('x', input, { handlers: told.handlers });
    // The Cause is what the notify step said, never a fixed "the admins were told".
    expect(r).toMatchObject({
      status: 'FAILED',
      error: { Error: 'FenceNotConfirmed', Cause: 'stand-in: fence-failed' },
    });
    expect(told.calls).toEqual(['validate', 'fence', 'notifyFenceFailed']);

    const untold = standIns({ fence: throwing('PowerOffTimeoutError'), notifyFenceFailed: throwing('Error') });
    const r2 = await runLocalExecution('x', input, { handlers: untold.handlers });
    expect(r2.status).toBe('FAILED');
    expect(r2.error?.Error).toBe('FenceNotConfirmed');
    expect(r2.error?.Cause).toMatch(/ALSO failed/);
  });

  test('the Notify step itself failing ends in NotifyFailed, never in success', async () => {
    const { handlers } = standIns({ notify: throwing('ZodError') });
    const r = await runLocalExecution('x', input, { handlers, retryMs: { Notify: 1 } });
    expect(r).toMatchObject({ status: 'FAILED', error: { Error: 'NotifyFailed' } });
  });
});

describe('on the simulator: the execution, the incident and the admin summary agree', () => {
  let env: RecoveryEnv | undefined;
  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });

  async function adminSubject(e: RecoveryEnv): Promise<string> {
    const admin = e.smtp.messages.filter((m) => m.envelopeTo.includes('ops@example.org')).at(-1);
    return (await simpleParser(admin!.raw)).subject ?? '';
  }

  test('one instance with no valid host: RecoveryPartial, incident partial, summary PARTIAL', async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    const victim = env.sim.snapshot().servers.find((s) => s.host === host && s.status === 'ACTIVE')!;
    env.sim.faults.noValidHostFor = new Set([victim.id]);
    env.sim.crashHost(host);
    const metrics = createPrometheusRegistry();
    setMetricSinks([metrics]);
    const r = await env.recover(host).finally(() => setMetricSinks([]));
    expect(r).toMatchObject({ status: 'FAILED', error: { Error: 'RecoveryPartial' } });
    const incident = await env.rt.store.getIncident(r.incidentId);
    expect(incident?.status).toBe('partial');
    expect(await adminSubject(env)).toMatch(/PARTIAL .*NOT recovered/);
    // The metrics say the same: one partial recovery, one failed instance, the rest evacuated.
    const text = metrics.render();
    const evacuated = (await env.rt.store.listInstances(r.incidentId)).filter((i) => i.outcome === 'evacuated');
    expect(text).toContain('freezer_dr_recoveries_total{outcome="partial"} 1');
    expect(text).toContain('freezer_dr_instance_evacuations_total{outcome="failed"} 1');
    expect(text).toContain(`freezer_dr_instance_evacuations_total{outcome="evacuated"} ${evacuated.length}`);
    expect(text).toContain('freezer_dr_fence_results_total{driver="redfish",result="confirmed"} 1');
    expect(text).toMatch(/^freezer_dr_recovery_time_seconds_count\{outcome="partial"\} 1$/m);
    expect(text).toMatch(/^freezer_dr_notifications_total\{kind="admin",result="sent"\} [1-9]/m);
  });

  test('no valid host for any instance: RecoveryFailed, incident failed, summary FAILED 0/N', async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    env.sim.faults.noValidHostFor = () => true;
    env.sim.crashHost(host);
    const r = await env.recover(host);
    expect(r).toMatchObject({ status: 'FAILED', error: { Error: 'RecoveryFailed' } });
    expect((await env.rt.store.getIncident(r.incidentId))?.status).toBe('failed');
    expect(await adminSubject(env)).toMatch(/ FAILED .* — 0\/\d+ evacuated, \d+ NOT recovered/);
  });

  test('every evacuation slower than instanceTimeoutSeconds: RecoveryTimedOut, incident timed-out', async () => {
    env = await startRecoveryEnv({
      sim: { rebuildMs: 60_000 },
      configPatch: (c) => {
        (c.evacuation as Record<string, unknown>).instanceTimeoutSeconds = 0.2;
      },
    });
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    const r = await env.recover(host);
    expect(r).toMatchObject({ status: 'FAILED', error: { Error: 'RecoveryTimedOut' } });
    expect((await env.rt.store.getIncident(r.incidentId))?.status).toBe('timed-out');
    expect(await adminSubject(env)).toMatch(/TIMED OUT .* — 0\/\d+ evacuated, \d+ TIMED OUT/);
  });

  test('Nova refusing the isolation: ReportFailure tells the admins, then RecoveryFailed', async () => {
    env = await startRecoveryEnv();
    const host = busiestHost(env.sim);
    env.sim.crashHost(host);
    env.sim.faults.nova.failPaths = /\/os-services\/[^/?]+$/;
    env.sim.faults.nova.failNext = 1000;
    const r = await env.recover(host);
    expect(r).toMatchObject({ status: 'FAILED', error: { Error: 'RecoveryFailed' } });
    expect((await env.rt.store.getIncident(r.incidentId))?.status).toBe('failed');
    expect(await adminSubject(env)).toMatch(/ FAILED .*recovery stopped: ApiServerError/);
  });
});
