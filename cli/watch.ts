import { TERMINAL_STATUSES } from '../lib/incidents/index.js';
import type { MonitorDecision } from '../lib/monitor/index.js';
import { runMonitorPass } from '../lib/monitor/index.js';
import { recordMonitorPass, recordMonitorPassFailed } from '../lib/metrics/index.js';
import { publishPassEvents } from '../lib/events/index.js';
import { sleep } from '../lib/async/index.js';
import type { LocalExecutionResult, Runtime, ExecutionInputRaw } from '../lib/workflow/index.js';
import { executionLiveness } from '../lib/workflow/index.js';
import { scheduledCapacity } from '../lib/workflow/index.js';
import { prepareLocalRecovery, runRecoveryLocally, type LocalTiming } from './context.js';

export interface WatchOptions {
  intervalMs: number;
  out: (line: string) => void;
  timing?: LocalTiming;
  signal: AbortSignal;
  /** Called after each pass; return true to stop watching (the demo stops once its incident closes). */
  done?: () => Promise<boolean>;
  /** Told after every pass (the health endpoints and the status page read it). */
  onPass?: (pass: PassReport) => void;
  /** Run the scheduled capacity check beside the passes when it is due (`start`). Defaults to false. */
  capacity?: boolean;
}

/** One monitor pass as the local watcher's health endpoints see it. */
export interface PassReport {
  at: string;
  ok: boolean;
  decision?: MonitorDecision;
  error?: string;
}

/**
 * The local watchdog: monitor passes on an interval, each failed host recovered by the real
 * state machine in-process. Incidents left open by a previous process (killed mid-recovery)
 * are resumed first: the steps re-read the store and Nova, so nothing is fenced or evacuated twice.
 */
export async function watch(rt: Runtime, opts: WatchOptions): Promise<void> {
  const running = new Map<string, Promise<LocalExecutionResult>>();
  const launch = (input: ExecutionInputRaw) => {
    const p = runRecoveryLocally(input, opts.timing, rt.store).catch((err: unknown) => ({
      status: 'FAILED' as const,
      error: { Error: (err as Error).name, Cause: (err as Error).message },
    }));
    running.set(input.incidentId, p);
    void p.then((r) => {
      running.delete(input.incidentId);
      if (r.status === 'FAILED') opts.out(`execution ${input.incidentId} ended FAILED: ${r.error?.Error}`);
    });
  };

  // Beside the first passes, not before them. A failure here is the first recovery's to report: it loads the same.
  prepareLocalRecovery().catch(() => undefined);
  await resumeOpenIncidents(rt, opts, launch);

  let lastGates = '';
  const capacity = capacityBeside(rt, opts.out);
  while (!opts.signal.aborted) {
    const t0 = performance.now();
    try {
      const { decision, started } = await runMonitorPass(rt, async (input) => {
        if (running.has(input.incidentId)) return { started: false, detail: 'already running here' };
        launch(input);
        return { started: true, detail: 'in-process' };
      });
      recordMonitorPass(decision, started.filter((s) => s.started).length, (performance.now() - t0) / 1000);
      await publishPassEvents(rt, decision, started);
      opts.onPass?.({ at: new Date().toISOString(), ok: true, decision });
      const gates = decision.gates.map((g) => `${g.gate}: ${g.reason}`).join('\n');
      if (gates !== lastGates && gates) opts.out(`monitor gate ${gates}`);
      lastGates = gates;
      if (opts.capacity) capacity.kick();
    } catch (err) {
      recordMonitorPassFailed((performance.now() - t0) / 1000);
      opts.onPass?.({
        at: new Date().toISOString(),
        ok: false,
        error: `${(err as Error).name}: ${(err as Error).message}`,
      });
      opts.out(`monitor pass failed: ${(err as Error).name}: ${(err as Error).message}`);
    }
    if (opts.done && (await opts.done())) break;
    await sleep(opts.intervalMs, opts.signal).catch(() => undefined);
  }
  await Promise.all(running.values());
  await capacity.settled();
}

/**
 * Incidents left open by a previous process are resumed first, unless another process (a
 * `recover`, an `incidents retry`) is running one now: never two runners.
 */
async function resumeOpenIncidents(
  rt: Runtime,
  opts: WatchOptions,
  launch: (input: ExecutionInputRaw) => void,
): Promise<void> {
  for (const open of await rt.store.listIncidents({ openOnly: true })) {
    if (TERMINAL_STATUSES.has(open.status)) continue;
    const liveness = await executionLiveness(rt.store, open.id);
    if (liveness.live) {
      opts.out(`not resuming incident ${open.id} for ${open.host}: ${liveness.detail}`);
      continue;
    }
    opts.out(`resuming open incident ${open.id} for ${open.host} (was ${open.status})`);
    launch({
      incidentId: open.id,
      host: open.host,
      reason: open.reason,
      detectedAt: open.detectedAt,
      requestedBy: open.requestedBy,
      dryRun: false,
      fence: open.fence?.method === 'operator' ? 'confirmed-by-operator' : 'bmc',
    });
  }
}

/** The scheduled capacity check runs beside the passes (when due: capacity.intervalHours), never delaying one. */
function capacityBeside(rt: Runtime, out: (line: string) => void): { kick(): void; settled(): Promise<void> } {
  let run: Promise<void> | undefined;
  return {
    kick() {
      run ??= scheduledCapacity(rt)
        .then((r) => {
          if (r.mailed) out(`capacity: the cloud can no longer absorb the loss of ${r.report?.worstCase?.host}`);
        })
        .catch((err: unknown) => out(`capacity check failed: ${(err as Error).name}: ${(err as Error).message}`))
        .finally(() => {
          run = undefined;
        });
    },
    settled: async () => run,
  };
}
