import { parse } from '../args.js';
import { openRuntime, requireConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { table } from '../format.js';
import { UserInputError } from '../../lib/errors.js';
import { HostNameSchema } from '../../lib/config/index.js';
import { planReport, type PlanReport } from '../../lib/workflow/index.js';

export const PLAN_HELP = `Usage: freezer-dr plan --host HOST [--json] [--config FILE]

What a recovery of HOST would evacuate, computed now by the Plan step's own code:
the restart groups in the order they run (each starts when the one before has
settled), the instances of each in order, where they go (the scheduler, or
evacuation.targetHost), which stuck tasks a real run would reset first, and
every instance that would be skipped, with the reason. Reads Nova and Glance;
changes nothing (no reset, no evacuation).

  --host HOST     the exact Nova host name (compute-1 never matches compute-10)
  --json          print the plan as JSON
  --config FILE   config file (default ./freezer-dr.yaml)

Exit: 0 the plan was shown, 1 nothing would be evacuated because the aggregate filter
is closed for the host, 2 bad arguments or config or an unknown host, 3 the cloud could
not be observed.`;

const OPTIONS = { host: { type: 'string' }, json: { type: 'boolean' }, config: { type: 'string' } } as const;

export async function planCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('plan', argv, OPTIONS);
  if (values.help) return (out(PLAN_HELP), EXIT.ok);
  if (!values.host)
    throw new UserInputError('plan: --host is required', { hint: 'e.g. freezer-dr plan --host compute-1' });
  const host = HostNameSchema.safeParse(values.host);
  if (!host.success)
    throw new UserInputError(`plan: --host ${JSON.stringify(values.host)}: ${host.error.issues[0]?.message}`);
  const rt = await openRuntime(await requireConfig(values.config));
  try {
    const report = await planReport(rt, host.data);
    out(values.json ? JSON.stringify(report) : formatPlan(report));
    return report.blocked ? EXIT.failed : EXIT.ok;
  } finally {
    await rt.store.close();
  }
}

function capacityLine(c: PlanReport['capacity']): string {
  if ('error' in c) return `not known: ${c.error}`;
  const pct = c.cloud.headroomPercent === null ? '' : `, ${c.cloud.headroomPercent}% left after`;
  if (c.cloud.fits)
    return `the other hosts take all ${c.instances} instance(s)${pct} (freezer-dr capacity --host ${c.host})`;
  const names = c.cloud.unplaced.map((u) => u.name).join(', ');
  return `NOT ENOUGH ROOM: ${c.cloud.unplaced.length} of ${c.instances} find no room (${names}); see freezer-dr capacity --host ${c.host}`;
}

/** The human form: one table per group in run order, then the resets and the skipped ones. */
export function formatPlan(r: PlanReport): string {
  const lines = [
    `plan for ${r.host} (evacuation.evacuable.mode ${r.mode}${r.markedSomewhere === undefined ? '' : r.markedSomewhere ? `; marked in the cloud: ${r.markedSomewhere}` : '; nothing in the cloud is marked, so every instance counts'})`,
    `target      ${r.target.policy === 'scheduler' ? 'the scheduler chooses (evacuation.targetHost unset)' : `${r.target.host} (evacuation.targetHost, checked by the scheduler)`}`,
    `order       ${r.groups.length ? r.groups.map((g) => `group ${g.label} (${g.items.length})`).join(' → ') : 'nothing to evacuate'}; up to ${r.concurrency} at once within a group`,
  ];
  if (r.reservedHost)
    lines.push(
      `spare       ${r.reservedHost.host ? `${r.reservedHost.host} would be enabled first (${r.reservedHost.matchedBy})` : `none: ${r.reservedHost.reason}`}`,
    );
  lines.push(`capacity    ${capacityLine(r.capacity)}`);
  if (r.blocked) lines.push(`BLOCKED     ${r.blocked}`);
  const resets = new Map(r.resets.map((x) => [x.id, x.taskState]));
  r.groups.forEach((g, n) => {
    lines.push(
      '',
      `group ${g.label}${n === 0 ? ' (runs first)' : ` (starts when group ${r.groups[n - 1]!.label} has settled)`}`,
      table(
        ['#', 'instance', 'id', 'project', 'vm_state', 'priority', 'note'],
        g.items.map((i, k) => [
          k + 1,
          i.name,
          i.id,
          i.projectId,
          i.vmState,
          i.priority,
          resets.has(i.id) ? `reset to ERROR first (task_state ${resets.get(i.id)})` : '',
        ]),
      ),
    );
  });
  if (r.skipped.length)
    lines.push(
      '',
      'skipped:',
      table(
        ['instance', 'id', 'why'],
        r.skipped.map((s) => [s.name, s.id, s.reason]),
      ),
    );
  lines.push('', 'nothing was changed (plan only reads)');
  return lines.join('\n');
}
