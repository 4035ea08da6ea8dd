import { parse } from '../args.js';
import { openRuntime, requireConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readinessReport, table, timelineLine } from '../format.js';
import { chooseLog } from '../logs.js';
import { operatorName } from '../operator.js';
import { openIncidentRefusal, runUntilDoneOrInterrupted } from '../runs.js';
import { followRemote } from '../remote.js';
import { confirmByHostName } from '../terminal.js';
import { FreezerError, RefusedError, UserInputError } from '../../lib/errors.js';
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

export const RECOVER_HELP = `Usage: freezer-dr recover --host HOST [--dry-run] [--json] [--confirm-fenced [--force]] [--yes] [--remote [--detach]] [--log-file FILE] [--config FILE]

Run the recovery state machine for one compute host: fence (power off through
its BMC and confirm), force-down + disable, evacuate every evacuable instance
and verify each, notify. Run it with --dry-run first.

  --host HOST          the exact Nova host name (compute-1 never matches compute-10)
  --dry-run            change nothing: check the host as the recovery would (how Nova sees it, its BMC
                       configured and answering, the microversion the evacuation policy needs) and
                       print the plan (what would be evacuated, what skipped and why)
  --json               print the dry run's report, or the finished incident, as one JSON document
                       (the live timeline lines are then not printed)
  --confirm-fenced     you have powered the host off yourself: skip the BMC (recorded as operator-confirmed).
                       Refused when its BMC reads On or Nova has a fresh heartbeat from it
  --force              with --confirm-fenced: go on despite those readings; asks you to type the host
                       name at a terminal (there is no way to skip that)
  --yes                Nova reports the host up: power it off without asking (needed without a terminal)
  --force-while-paused run even though recoveries are paused
  --remote             start the deployed AWS state machine instead of running in-process
                       (needs FREEZER_DR_STATE_MACHINE_ARN and AWS credentials), and follow its
                       history (each state entered and left) until it ends; exit as it ended
  --detach             with --remote: print the execution ARN and return at once
  --log-file FILE      where the JSON log lines go. Default: at a terminal, <state dir>/freezer-dr.log
                       (the screen shows the timeline only); otherwise stderr
  --config FILE        config file (default ./freezer-dr.yaml)

While it runs, the timeline prints as it happens, and a line every 30 s says where it stands.
Ctrl-C stops it between two steps: what was done, the incident's state and the command that
resumes it (freezer-dr incidents retry ID) are printed; exit 130.

Exit: 0 recovered (or a dry run found nothing in the way), 1 fence not confirmed / some instance
failed / the dry run or the pre-check found something that would stop the recovery,
2 bad arguments or config, or not confirmed, 3 the cloud could not be observed,
4 refused (paused, or an incident is already open for the host), 130 interrupted (Ctrl-C).`;

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
  detach: { type: 'boolean' },
  'log-file': { type: 'string' },
  config: { type: 'string' },
} as const;
type Flags = ReturnType<typeof parse<typeof OPTIONS>>['values'];

export async function recoverCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void = out,
): Promise<number> {
  const { values } = parse('recover', argv, OPTIONS);
  if (values.help) return (out(RECOVER_HELP), EXIT.ok);
  const host = hostFrom(values);
  if (values.force && !values['confirm-fenced'])
    throw new UserInputError('recover: --force only goes with --confirm-fenced', {
      hint: `to power off a host Nova reports up, answer the prompt or add --yes`,
    });
  if (values.remote) return recoverRemotely(host, values, out, err);
  if (values.detach) throw new UserInputError('recover: --detach only goes with --remote');

  const start = Date.now();
  const config = await requireConfig(values.config);
  const logs = chooseLog(config, values['log-file']);
  const rt = await openRuntime(config, {
    onEvent: values.json ? undefined : (_id, e) => out(timelineLine(start, e)),
    ...(logs.log ? { log: logs.log } : {}),
  });
  try {
    const dryRun = values['dry-run'] ?? false;
    if (!dryRun && (await isPaused(rt)) && !values['force-while-paused'])
      throw new RefusedError('recoveries are paused; nothing was done', {
        hint: 'freezer-dr resume, or add --force-while-paused',
      });
    // S4 up front: an incident in flight for the host refuses at once (exit 4), before we read its BMC.
    const open = dryRun ? null : await rt.store.findOpenIncident(host);
    if (open) throw await openIncidentRefusal(rt, open);
    if (logs.file && !values.json && !dryRun) out(`JSON logs: ${logs.file}`);
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
    requestedBy: `operator:${operatorName()}`,
    fence,
    operatorOverride,
    now: new Date(),
  });
  // S4: the same conditional write as the monitor. Two operators in the same second compute the
  // same incident id: the second is refused here (exit 4) instead of running it twice in parallel.
  await openIncident(rt, input);
  return runUntilDoneOrInterrupted(rt, input, values.json ?? false, out);
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

async function recoverRemotely(
  host: string,
  values: Flags,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
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
    requestedBy: `operator:${operatorName()}`,
    dryRun: values['dry-run'] ?? false,
    fence: values['confirm-fenced'] ? 'confirmed-by-operator' : 'bmc',
    operatorOverride: override,
    now: new Date(),
  });
  const { startRecoveryExecution } = await import('../../lib/aws/index.js');
  const r = await startRecoveryExecution({ stateMachineArn: arn, name: input.incidentId, input });
  if (r.outcome !== 'started') {
    out(values.json ? JSON.stringify(r) : `${r.outcome}: ${r.executionArn}`);
    return EXIT.refused;
  }
  if (values.detach) return (out(values.json ? JSON.stringify(r) : `${r.outcome}: ${r.executionArn}`), EXIT.ok);
  return followRemote(r.executionArn, values.json ?? false, out, err);
}
