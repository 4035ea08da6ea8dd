import { parse } from '../args.js';
import { openRuntime, requireConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { table } from '../format.js';
import { runMonitorPass } from '../../lib/monitor/index.js';
import { runPreflight, type Runtime } from '../../lib/workflow/index.js';

export const CHECK_HELP = `Usage: freezer-dr check [--preflight] [--config FILE] [--json]

One monitor pass, acting on nothing: every compute service, what the monitor
decides for it (healthy / suspect / failed / fenced / disabled / in-flight),
and the safety gates that would fire.

  --preflight     instead, check what a recovery will need: every enabled compute host
                  has a BMC entry and its BMC answers a power-status read, the cloud offers
                  the microversion of evacuation.microversionPolicy, the mail relay answers
  --config FILE   config file (default ./freezer-dr.yaml)
  --json          print the decision (or the preflight report) as JSON

Exit: 0 all healthy (every preflight check passed), 1 some host suspect or failed (some
preflight check failed), 3 the cloud could not be observed.`;

const CLOCK_NOTE = {
  server: "heartbeats read against Nova's clock",
  heartbeat: 'Nova sent no Date header: heartbeats read against the freshest one',
  local: 'Nova sent no Date header: heartbeats read against the local clock',
} as const;

export async function checkCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('check', argv, {
    config: { type: 'string' },
    json: { type: 'boolean' },
    preflight: { type: 'boolean' },
  });
  if (values.help) return (out(CHECK_HELP), EXIT.ok);
  const rt = await openRuntime(await requireConfig(values.config));
  if (values.preflight) return preflightCommand(rt, values.json ?? false, out);
  try {
    const { decision } = await runMonitorPass(rt, null);
    if (values.json) out(JSON.stringify(decision, null, 2));
    else {
      out(`Compute services at ${decision.at} (${CLOCK_NOTE[decision.clock]})`);
      out(
        table(
          ['host', 'state', 'status', 'forced', 'heartbeat', 'decision', 'why'],
          decision.hosts.map((h) => [
            h.host,
            h.state,
            h.status,
            h.forcedDown ? 'yes' : 'no',
            h.heartbeatAgeSeconds === null ? 'never' : `${h.heartbeatAgeSeconds}s`,
            h.verdict,
            h.reason,
          ]),
        ),
      );
      for (const g of decision.gates) out(`GATE ${g.gate}: ${g.reason}`);
      for (const r of decision.recover) out(`would recover ${r.host} as incident ${r.incidentId}`);
    }
    if (decision.gates.some((g) => g.gate === 'observer')) return EXIT.unreachable;
    return decision.hosts.some((h) => h.verdict === 'suspect' || h.verdict === 'failed') ? EXIT.failed : EXIT.ok;
  } finally {
    await rt.store.close();
  }
}

async function preflightCommand(rt: Runtime, json: boolean, out: (s: string) => void): Promise<number> {
  try {
    const report = await runPreflight(rt);
    if (json) out(JSON.stringify(report, null, 2));
    else {
      out(`Preflight at ${report.at}: ${report.ok ? 'every check passed' : 'some checks FAILED'}`);
      out(
        table(
          ['check', 'target', 'result', 'detail'],
          report.checks.map((c) => [c.check, c.target, c.ok ? 'ok' : 'FAILED', c.detail]),
        ),
      );
    }
    if (report.checks.some((c) => c.check === 'cloud' && !c.ok)) return EXIT.unreachable;
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    await rt.store.close();
  }
}
