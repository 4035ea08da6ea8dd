import { parse } from '../args.js';
import { openRuntime, requireConfig, runRecoveryLocally } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { incidentSummary, table, timelineLine } from '../format.js';
import { UserInputError } from '../../lib/errors.js';
import { incidentIdFor } from '../../lib/incidents/index.js';
import { isPaused } from '../../lib/monitor/index.js';
import { parseExecutionInput } from '../../lib/workflow/index.js';
import type { Runtime } from '../../lib/workflow/index.js';
import { HostNameSchema } from '../../lib/config/index.js';
import { listComputeServices } from '../../lib/openstack/index.js';
import { UnknownHostError } from '../../lib/workflow/index.js';
import { userInfo } from 'node:os';

export const RECOVER_HELP = `Usage: freezer-dr recover --host HOST [--dry-run] [--confirm-fenced] [--remote] [--config FILE]

Run the recovery state machine for one compute host: fence (power off through
its BMC and confirm), force-down + disable, evacuate every evacuable instance
and verify each, notify. Run it with --dry-run first.

  --host HOST          the exact Nova host name (compute-1 never matches compute-10)
  --dry-run            print the plan (what would be evacuated, what skipped and why); change nothing
  --confirm-fenced     you have powered the host off yourself: skip the BMC (recorded as operator-confirmed)
  --force-while-paused run even though recoveries are paused
  --remote             start the deployed AWS state machine instead of running in-process
                       (needs FREEZER_DR_STATE_MACHINE_ARN and AWS credentials)
  --config FILE        config file (default ./freezer-dr.yaml)

Exit: 0 recovered (or dry run printed), 1 fence not confirmed / some instance failed,
2 bad arguments or config, 4 refused (paused, or an incident is already open for the host).`;

export async function recoverCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('recover', argv, {
    host: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'confirm-fenced': { type: 'boolean' },
    'force-while-paused': { type: 'boolean' },
    remote: { type: 'boolean' },
    config: { type: 'string' },
  });
  if (values.help) return (out(RECOVER_HELP), EXIT.ok);
  if (!values.host)
    throw new UserInputError('recover: --host is required', {
      hint: 'e.g. freezer-dr recover --host compute-1 --dry-run',
    });
  const host = HostNameSchema.safeParse(values.host);
  if (!host.success)
    throw new UserInputError(`recover: --host ${JSON.stringify(values.host)}: ${host.error.issues[0]?.message}`);
  const dryRun = values['dry-run'] ?? false;
  const now = new Date();
  const input = parseExecutionInput({
    incidentId: incidentIdFor(host.data, now),
    host: host.data,
    reason: dryRun ? 'dry run requested by an operator' : 'recovery requested by an operator',
    detectedAt: now.toISOString(),
    requestedBy: `operator:${safeUser()}`,
    dryRun,
    fence: values['confirm-fenced'] ? 'confirmed-by-operator' : 'bmc',
  });

  if (values.remote) {
    const arn = process.env.FREEZER_DR_STATE_MACHINE_ARN;
    if (!arn) throw new UserInputError('recover --remote: FREEZER_DR_STATE_MACHINE_ARN is not set');
    const { startRecoveryExecution } = await import('../../lib/aws/index.js');
    const r = await startRecoveryExecution({ stateMachineArn: arn, name: input.incidentId, input });
    out(`${r.outcome}: ${r.executionArn}`);
    return r.outcome === 'started' ? EXIT.ok : EXIT.refused;
  }

  const start = Date.now();
  const rt = await openRuntime(await requireConfig(values.config), {
    onEvent: (_id, e) => out(timelineLine(start, e)),
  });
  try {
    if (!dryRun && (await isPaused(rt)) && !values['force-while-paused']) {
      out('recoveries are paused (freezer-dr resume, or --force-while-paused)');
      return EXIT.refused;
    }
    // The host must exist before anything is opened: an unknown host is a usage error (exit 2),
    // an unreachable cloud an observer problem (exit 3), and neither leaves an incident behind.
    const { services } = await listComputeServices(rt.session);
    if (!services.some((s) => s.host === input.host))
      throw new UnknownHostError(
        input.host,
        services.map((s) => s.host),
      );
    if (dryRun) {
      // A dry run reads only: it never opens an incident, so it can run beside a live one.
      const open = await rt.store.findOpenIncident(input.host);
      const plan = await planStepReadOnly(rt, input.host);
      out(
        `[dry run] recovery plan for ${input.host}${open ? ` (note: incident ${open.id} is already open for it)` : ''}`,
      );
      out(
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
      out(`\nnothing was changed. To run it: freezer-dr recover --host ${input.host}`);
      return EXIT.ok;
    }
    // S4: open the incident with the store's conditional write before starting, as the monitor
    // does. Two operators running this in the same second compute the same incident id: the
    // second is refused here (IncidentExistsError, exit 4) instead of running the same
    // incident twice in parallel (double fence, double evacuation).
    const at = rt.now().toISOString();
    await rt.store.createIncident({
      id: input.incidentId,
      host: input.host,
      status: 'open',
      reason: input.reason,
      requestedBy: input.requestedBy,
      detectedAt: input.detectedAt,
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      dryRun: false,
      fence: null,
      isolation: null,
      plan: null,
      error: null,
      notifications: [],
    });
    const result = await runRecoveryLocally(input);
    const incident = await rt.store.getIncident(input.incidentId);
    if (incident) out('\n' + incidentSummary(incident, await rt.store.listInstances(incident.id)));
    if (result.status === 'FAILED') out(`\nexecution failed: ${result.error?.Error}: ${result.error?.Cause}`);
    return result.status === 'SUCCEEDED' && incident?.status === 'resolved' ? EXIT.ok : EXIT.failed;
  } finally {
    await rt.store.close();
  }
}

async function planStepReadOnly(rt: Runtime, host: string) {
  const { listServersOnHost } = await import('../../lib/openstack/index.js');
  const { planEvacuation } = await import('../../lib/evacuation/index.js');
  return planEvacuation(host, await listServersOnHost(rt.session, host), rt.config.evacuation.evacuable);
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
