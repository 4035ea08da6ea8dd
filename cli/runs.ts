import { startLocalRecovery } from './context.js';
import { EXIT } from './exit-codes.js';
import { incidentSummary } from './format.js';
import { IncidentExistsError, type Incident } from '../lib/incidents/index.js';
import type { InstanceRecord } from '../lib/evacuation/index.js';
import { executionLiveness, type ExecutionInput, type Runtime } from '../lib/workflow/index.js';

type Out = (s: string) => void;

/** The command that picks an interrupted incident up again, or what to do when none can. */
export function resumeAdvice(incident: Incident): string {
  if (incident.fence?.fenced) return `freezer-dr incidents retry ${incident.id}`;
  return `freezer-dr incidents close ${incident.id} --reason "interrupted before the fence" && freezer-dr recover --host ${incident.host}`;
}

/**
 * S4's refusal for a host with an open incident. Besides where to see it: whether a process here
 * holds its execution, and if none does, how to resume it. An execution in AWS holds no lease, so
 * "none here" is said as such, never as "nobody".
 */
export async function openIncidentRefusal(rt: Runtime, open: Incident): Promise<IncidentExistsError> {
  const liveness = await executionLiveness(rt.store, open.id, rt.now());
  const next = liveness.live
    ? `it is running (${liveness.detail}): follow it with freezer-dr incidents watch ${open.id}`
    : `no in-process run holds it (${liveness.detail}); unless Step Functions runs it, resume it with: ${resumeAdvice(open)} (freezer-dr start also resumes it)`;
  return new IncidentExistsError(open, `see it with: freezer-dr incidents ${open.id}; ${next}`);
}

function progressLine(incident: Incident, instances: InstanceRecord[]): string {
  const count = (o: InstanceRecord['outcome']) => instances.filter((i) => i.outcome === o).length;
  const parts = [
    incident.fence?.fenced ? `power-off confirmed at ${incident.fence.confirmedAt}` : 'power-off NOT confirmed',
    incident.isolation ? 'forced down and disabled in Nova' : 'not isolated in Nova',
  ];
  if (incident.plan)
    parts.push(
      `${count('evacuated')} of ${incident.plan.items.length} instance(s) evacuated, ${count('evacuating')} in flight, ${count('pending')} not started, ${count('failed') + count('timeout')} failed`,
    );
  return parts.join('; ');
}

/**
 * Run the incident's execution in-process until it ends, or until Ctrl-C. Ctrl-C lets the Task in
 * flight finish (a second Ctrl-C stops at once), then says what was done, the incident's state
 * and the command that resumes it, and returns 130. Nothing is rolled back: the incident stays
 * open for `incidents retry` (or `start`) to pick up.
 */
export async function runUntilDoneOrInterrupted(
  rt: Runtime,
  input: ExecutionInput,
  json: boolean,
  out: Out,
): Promise<number> {
  const abort = new AbortController();
  const onSigint = () => {
    if (!json) out('\ninterrupted: stopping after the step in flight (Ctrl-C again to stop at once)');
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  // The evacuation's Wait/Check loop can go quiet for minutes: say where it stands now and then.
  const every = Number(process.env.FREEZER_DR_PROGRESS_EVERY_MS ?? 30_000);
  const ticker = json
    ? undefined
    : setInterval(() => {
        void (async () => {
          const now = await rt.store.getIncident(input.incidentId);
          if (now) out(`… ${now.status}: ${progressLine(now, await rt.store.listInstances(now.id))}`);
        })().catch(() => undefined);
      }, every);
  ticker?.unref();
  try {
    const run = startLocalRecovery(input, {}, { store: rt.store, signal: abort.signal });
    const result = await run.result;
    clearInterval(ticker);
    if (abort.signal.aborted) await run.idle();
    const incident = await rt.store.getIncident(input.incidentId);
    const instances = incident ? await rt.store.listInstances(incident.id) : [];
    if (abort.signal.aborted && incident) {
      const resume = resumeAdvice(incident);
      if (json) out(JSON.stringify({ interrupted: true, incident, instances, resume }));
      else {
        out(`\nInterrupted. Incident ${incident.id} for ${incident.host} is ${incident.status}.`);
        out(`  done so far: ${progressLine(incident, instances)}`);
        out(`  resume it with: ${resume}`);
        out('  (freezer-dr start also resumes open incidents when it starts)');
      }
      return EXIT.interrupted;
    }
    if (json) out(JSON.stringify({ execution: result.status, error: result.error ?? null, incident, instances }));
    else {
      if (incident) out('\n' + incidentSummary(incident, instances));
      if (result.status === 'FAILED') out(`\nexecution failed: ${result.error?.Error}: ${result.error?.Cause}`);
    }
    return result.status === 'SUCCEEDED' && incident?.status === 'resolved' ? EXIT.ok : EXIT.failed;
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onSigint);
  }
}
