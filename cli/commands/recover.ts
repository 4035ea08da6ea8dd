import { userInfo } from 'node:os';
import { parse } from '../args.js';
import { openRuntime, requireConfig, runRecoveryLocally } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { incidentSummary, readinessReport, table, timelineLine } from '../format.js';
import { confirmByHostName } from '../terminal.js';
import { FreezerError, UserInputError } from '../../lib/errors.js';
import { HostNameSchema } from '../../lib/config/index.js';
import { isPaused } from '../../lib/monitor/index.js';
import {
  assessRecovery,
  buildExecutionInput,
  openIncident,
  OperatorConfirmationRefusedError,
  type Readiness,
  type Runtime,
} from '../../lib/workflow/index.js';

export const RECOVER_HELP = `Usage: freezer-dr recover --host HOST [--dry-run] [--json] [--confirm-fenced [--force]] [--yes] [--remote] [--config FILE]

Run the recovery state machine for one compute host: fence (power off through
its BMC and confirm), force-down + disable, evacuate every evacuable instance
and verify each, notify. Run it with --dry-run first.

  --host HOST          the exact Nova host name (compute-1 never matches compute-10)
  --dry-run            change nothing: check the host as the recovery would (how Nova sees it, its BMC
                       configured and answering, the microversion the evacuation policy needs) and
                       print the plan (what would be evacuated, what skipped and why)
  --json               print the dry run's report, or the finished incident, as JSON
  --confirm-fenced     you have powered the host off yourself: skip the BMC (recorded as operator-confirmed).
                       Refused when its BMC reads On or Nova has a fresh heartbeat from it
  --force              with --confirm-fenced: go on despite those readings; asks you to type the host
                       name at a terminal (there is no way to skip that)
  --yes                Nova reports the host up: power it off without asking (needed without a terminal)
  --force-while-paused run even though recoveries are paused
  --remote             start the deployed AWS state machine instead of running in-process
                       (needs FREEZER_DR_STATE_MACHINE_ARN and AWS credentials)
  --config FILE        config file (default ./freezer-dr.yaml)

Exit: 0 recovered (or a dry run found nothing in the way), 1 fence not confirmed / some instance
failed / the dry run or the pre-check found something that would stop the recovery,
2 bad arguments or config, or not confirmed, 3 the cloud could not be observed,
4 refused (paused, or an incident is already open for the host).`;

/** What the pre-check found that would stop the recovery; nothing was changed. */
export class RecoveryNotReadyError extends FreezerError {
  constructor(host: string, blockers: string[]) {
    super(`recovery of ${host} would stop: ${blockers.join('; ')}; nothing was changed`, {
      hint: `see: freezer-dr recover --host ${host} --dry-run`,
    });
    this.name = 'RecoveryNotReadyError';
  }
}

const OPTIONS = {
  host: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  'confirm-fenced': { type: 'boolean' },
  force: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  'force-while-paused': { type: 'boolean' },
  remote: { type: 'boolean' },
  config: { type: 'string' },
} as const;
type Flags = ReturnType<typeof parse<typeof OPTIONS>>['values'];

export async function recoverCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('recover', argv, OPTIONS);
  if (values.help) return (out(RECOVER_HELP), EXIT.ok);
  const host = hostFrom(values);
  if (values.force && !values['confirm-fenced'])
    throw new UserInputError('recover: --force only goes with --confirm-fenced', {
      hint: `to power off a host Nova reports up, answer the prompt or add --yes`,
    });
  if (values.remote) return recoverRemotely(host, values, out);

  const start = Date.now();
  const rt = await openRuntime(await requireConfig(values.config), {
    onEvent: values.json ? undefined : (_id, e) => out(timelineLine(start, e)),
  });
  try {
    const dryRun = values['dry-run'] ?? false;
    if (!dryRun && (await isPaused(rt)) && !values['force-while-paused']) {
      out('recoveries are paused (freezer-dr resume, or --force-while-paused)');
      return EXIT.refused;
    }
    const fence = values['confirm-fenced'] ? 'confirmed-by-operator' : 'bmc';
    const readiness = await assessRecovery(rt, host, { fence, withPlan: dryRun });
    if (dryRun) return await printDryRun(rt, readiness, values, out);
    const override = await guard(readiness, values);
    if (override === 'declined') return (out('not confirmed; nothing was done'), EXIT.usage);
    return await runRecovery(rt, host, fence, override === 'override', values, out);
  } finally {
    await rt.store.close();
  }
}

function hostFrom(values: Flags): string {
  if (!values.host)
    throw new UserInputError('recover: --host is required', {
      hint: 'e.g. freezer-dr recover --host compute-1 --dry-run',
    });
  const host = HostNameSchema.safeParse(values.host);
  if (!host.success)
    throw new UserInputError(`recover: --host ${JSON.stringify(values.host)}: ${host.error.issues[0]?.message}`);
  return host.data;
}

/**
 * The guardrails of a real run (S1): an operator's "it is off" must not contradict what we can
 * see, and powering off a host Nova reports up needs the host name typed (or --yes).
 */
async function guard(readiness: Readiness, values: Flags): Promise<'go' | 'override' | 'declined'> {
  const host = readiness.host;
  if (readiness.fence.mode === 'confirmed-by-operator') {
    if (readiness.evidenceAlive.length === 0) return 'go';
    if (!values.force) throw new OperatorConfirmationRefusedError(host, readiness.evidenceAlive);
    const ok = await confirmByHostName(
      host,
      `${readiness.evidenceAlive.join('; ')}. Evacuating now may run every instance of ${host} twice.`,
      null,
    );
    return ok ? 'override' : 'declined';
  }
  if (readiness.blockers.length) throw new RecoveryNotReadyError(host, readiness.blockers);
  if (!readiness.nova.alive || values.yes) return 'go';
  const ok = await confirmByHostName(
    host,
    `Nova reports ${host} up (heartbeat ${readiness.nova.heartbeatAgeSeconds} s old). Power it OFF through its BMC and evacuate every instance?`,
    '--yes',
  );
  return ok ? 'go' : 'declined';
}

async function runRecovery(
  rt: Runtime,
  host: string,
  fence: 'bmc' | 'confirmed-by-operator',
  operatorOverride: boolean,
  values: Flags,
  out: (s: string) => void,
): Promise<number> {
  const input = buildExecutionInput({
    host,
    reason: 'recovery requested by an operator',
    requestedBy: `operator:${safeUser()}`,
    fence,
    operatorOverride,
    now: new Date(),
  });
  // S4: the same conditional write as the monitor. Two operators in the same second compute the
  // same incident id: the second is refused here (exit 4) instead of running it twice in parallel.
  await openIncident(rt, input);
  const result = await runRecoveryLocally(input);
  const incident = await rt.store.getIncident(input.incidentId);
  const instances = incident ? await rt.store.listInstances(incident.id) : [];
  if (values.json) out(JSON.stringify({ execution: result.status, error: result.error ?? null, incident, instances }));
  else {
    if (incident) out('\n' + incidentSummary(incident, instances));
    if (result.status === 'FAILED') out(`\nexecution failed: ${result.error?.Error}: ${result.error?.Cause}`);
  }
  return result.status === 'SUCCEEDED' && incident?.status === 'resolved' ? EXIT.ok : EXIT.failed;
}

async function printDryRun(rt: Runtime, r: Readiness, values: Flags, out: (s: string) => void): Promise<number> {
  const open = await rt.store.findOpenIncident(r.host);
  const code = r.blockers.length ? EXIT.failed : EXIT.ok;
  if (values.json) {
    out(JSON.stringify({ ...r, openIncident: open?.id ?? null, wouldRun: code === EXIT.ok }));
    return code;
  }
  out(`[dry run] recovery of ${r.host}${open ? ` (note: incident ${open.id} is already open for it)` : ''}`);
  out(readinessReport(r));
  const plan = r.plan ?? { items: [], skipped: [] };
  out(
    '\nplan:\n' +
      table(
        ['#', 'instance', 'id', 'project', 'vm_state', 'priority'],
        plan.items.map((i, n) => [n + 1, i.name, i.id, i.projectId, i.vmState, i.priority]),
      ),
  );
  if (plan.skipped.length)
    out(
      '\nskipped:\n' +
        table(
          ['instance', 'id', 'why'],
          plan.skipped.map((s) => [s.name, s.id, s.reason]),
        ),
    );
  const flags = r.fence.mode === 'confirmed-by-operator' ? ' --confirm-fenced' : '';
  out(
    code === EXIT.ok
      ? `\nnothing was changed. To run it: freezer-dr recover --host ${r.host}${flags}`
      : `\nnothing was changed. The recovery would stop: ${r.blockers.join('; ')}`,
  );
  return code;
}

async function recoverRemotely(host: string, values: Flags, out: (s: string) => void): Promise<number> {
  const arn = process.env.FREEZER_DR_STATE_MACHINE_ARN;
  if (!arn) throw new UserInputError('recover --remote: FREEZER_DR_STATE_MACHINE_ARN is not set');
  // The deployed Validate task re-checks an operator's confirmation against the BMC and Nova;
  // --force is only honoured after the host name was typed here.
  const override = values.force
    ? await confirmByHostName(host, `Evacuate ${host} even if its BMC reads On or Nova sees it up?`, null)
    : false;
  if (values.force && !override) return (out('not confirmed; nothing was done'), EXIT.usage);
  const input = buildExecutionInput({
    host,
    reason: values['dry-run'] ? 'dry run requested by an operator' : 'recovery requested by an operator',
    requestedBy: `operator:${safeUser()}`,
    dryRun: values['dry-run'] ?? false,
    fence: values['confirm-fenced'] ? 'confirmed-by-operator' : 'bmc',
    operatorOverride: override,
    now: new Date(),
  });
  const { startRecoveryExecution } = await import('../../lib/aws/index.js');
  const r = await startRecoveryExecution({ stateMachineArn: arn, name: input.incidentId, input });
  out(values.json ? JSON.stringify(r) : `${r.outcome}: ${r.executionArn}`);
  return r.outcome === 'started' ? EXIT.ok : EXIT.refused;
}

function safeUser(): string {
  try {
    return (
      userInfo()
        .username.replace(/[^A-Za-z0-9._-]/g, '_')
        .slice(0, 64) || 'unknown'
    );
  } catch {
    return 'unknown';
  }
}
