import { parse } from '../args.js';
import { openRuntime, requireConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { table } from '../format.js';
import {
  describeDemand,
  describeResources,
  runCapacity,
  type CapacityReport,
  type Scenario,
} from '../../lib/capacity/index.js';
import { capacityDeps, type Runtime } from '../../lib/workflow/index.js';

export const CAPACITY_HELP = `Usage: freezer-dr capacity [--host X ...] [--config FILE] [--json]

Capacity readiness: if a host failed now, would every instance a recovery
evacuates find room on the other hosts? Read from Nova (services, hypervisors,
aggregates, each host's servers through the recovery's own plan) and Placement
(inventories with allocation ratios, reserved amounts and max_unit; usages;
allocations). Hosts that are down, forced down, disabled (unless reserved) or
out for repair take nothing. Answered per host, per availability zone and
aggregate of the failed host, and as a worst case. Changes nothing.

It is a conservative estimate (first-fit decreasing per VCPU, MEMORY_MB and
DISK_GB): scheduler filters such as affinity, anti-affinity and traits are not
modelled.

  --host X        evaluate only this host's failure (repeatable), whatever its state
  --config FILE   config file (default ./freezer-dr.yaml)
  --json          print the report as JSON

Exit: 0 the loss of every evaluated host is absorbed, 1 some host's loss is
not, 2 bad usage or an unknown host, 3 Nova or Placement could not be read.`;

function cell(s: Scenario | null): string {
  if (!s) return '-';
  if (s.targets.length === 0 && s.placed === 0 && s.unplaced.length === 0) return 'nothing to move';
  const pct = s.headroomPercent === null ? '' : ` (${s.headroomPercent}% left)`;
  return s.fits ? `fits${pct}` : `NO: ${s.unplaced.length} left over`;
}

function sameTargets(a: Scenario | null, b: Scenario): boolean {
  return !!a && a.targets.join() === b.targets.join();
}

/** The report for people: the verdict, the room now, one row per host, what would be left over. */
export function printCapacity(r: CapacityReport, out: (s: string) => void): void {
  out(
    `Capacity at ${r.at}: the loss of ${r.ok ? 'any one host is absorbed' : 'SOME HOST IS NOT ABSORBED'}${
      r.worstCase
        ? ` (worst case ${r.worstCase.host}${r.worstCase.fits && r.worstCase.headroomPercent !== null ? `, ${r.worstCase.headroomPercent}% left after it` : ''})`
        : ''
    }`,
  );
  out(
    `Room now on ${r.now.hosts} host(s) that take evacuated instances: ${describeResources(r.now.free, r.now.capacity)}`,
  );
  out(
    table(
      ['if this host failed', 'instances', 'they need', 'cloud', 'zone', 'aggregates'],
      r.answers.map((a) => [
        a.host,
        a.skipped ? `${a.instances} (+${a.skipped} skipped)` : a.instances,
        describeDemand(a.demand),
        cell(a.cloud),
        a.zone ? `${a.zone.scope.replace(/^zone /, '')}: ${cell(a.zone)}` : '-',
        a.aggregates.map((g) => `${g.scope.replace(/^aggregate /, '')}: ${cell(g)}`).join('; ') || '-',
      ]),
    ),
  );
  for (const a of r.answers)
    for (const s of [a.cloud, ...[a.zone, ...a.aggregates].filter((x) => x && !sameTargets(x, a.cloud))] as Scenario[])
      for (const u of s.unplaced)
        out(`  ${a.host} → ${s.scope}: ${u.name} (${u.id.slice(0, 8)}) finds no room: ${u.reason}`);
  const outside = r.hosts.filter((h) => h.excluded !== null);
  if (outside.length)
    out(`Taking no evacuated instances: ${outside.map((h) => `${h.host} (${h.excluded})`).join('; ')}`);
  const spares = r.hosts.filter((h) => h.reserved && h.excluded === null);
  if (spares.length) out(`Reserved hosts counted as room: ${spares.map((h) => h.host).join(', ')}`);
  if (r.notEvaluated.length)
    out(`Not evaluated as failing: ${r.notEvaluated.map((n) => `${n.host} (${n.reason})`).join('; ')}`);
  out('A conservative estimate: scheduler filters such as affinity and traits are not modelled.');
}

/** Run the check with the runtime's plan and print it; the exit code follows the verdict. */
export async function capacityVerdict(
  rt: Runtime,
  opts: { hosts?: string[]; json: boolean },
  out: (s: string) => void,
): Promise<{ report: CapacityReport; code: number }> {
  const signal = AbortSignal.timeout(rt.config.capacity.timeoutSeconds * 1000);
  const report = await runCapacity(capacityDeps(rt, { signal }), opts.hosts ? { hosts: opts.hosts } : {});
  if (opts.json) out(JSON.stringify(report, null, 2));
  else printCapacity(report, out);
  return { report, code: report.ok ? EXIT.ok : EXIT.failed };
}

export async function capacityCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('capacity', argv, {
    config: { type: 'string' },
    json: { type: 'boolean' },
    host: { type: 'string', multiple: true },
  });
  if (values.help) return (out(CAPACITY_HELP), EXIT.ok);
  const rt = await openRuntime(await requireConfig(values.config));
  try {
    return (await capacityVerdict(rt, { hosts: values.host, json: values.json ?? false }, out)).code;
  } finally {
    await rt.store.close();
  }
}
