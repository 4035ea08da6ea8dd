import { parse } from '../args.js';
import { openRuntime, requireConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { table } from '../format.js';
import type { MonitorConfig } from '../../lib/config/index.js';
import { runMonitorPass, type MonitorDecision } from '../../lib/monitor/index.js';
import { runPreflight, type Runtime } from '../../lib/workflow/index.js';
import { capacityVerdict } from './capacity.js';

export const CHECK_HELP = `Usage: freezer-dr check [--preflight | --capacity] [--config FILE] [--json]

One monitor pass, acting on nothing: every compute service, what Nova and the
second signal say about it, what the monitor decides (healthy / suspect /
failed / fenced / disabled / in-flight / host-answers / unconfirmed /
fence-failed / excluded), each suspect's grace progress, whether recoveries are
paused, and the gates that would fire. It records what it observed, so a
suspect's grace runs from the first time anyone saw it.

  --preflight     instead, check what a recovery will need: every enabled compute host
                  has a BMC entry and its BMC answers a power-status read, the cloud offers
                  the microversion of evacuation.microversionPolicy, the second signal
                  answers for every enabled host, the mail relay answers
  --capacity      also run the capacity check (freezer-dr capacity): would the
                  instances of every host find room if it failed now
  --config FILE   config file (default ./freezer-dr.yaml)
  --json          print the decision (or the preflight report) as JSON

Exit: 0 all healthy (with --preflight: every check passed), 1 some host needs attention
(suspect, failed, host-answers, unconfirmed, fence-failed; with --preflight: a check failed),
3 the cloud or the second signal could not be observed. With --capacity, 1 also
when the loss of some host would not be absorbed.`;

const CLOCK_NOTE = {
  server: "heartbeats read against Nova's clock",
  heartbeat: 'Nova sent no Date header: heartbeats read against the freshest one',
  local: 'Nova sent no Date header: heartbeats read against the local clock',
} as const;

const ATTENTION = new Set(['suspect', 'failed', 'host-answers', 'unconfirmed', 'fence-failed']);

function confirmationLine(d: MonitorDecision, monitor: MonitorConfig): string {
  if (d.confirmation === 'nova-only')
    return "Confirmation: nova-only — Nova's heartbeat alone decides (no second signal: a hung nova-compute can get a live host fenced)";
  if (!monitor.secondSignal)
    return 'Confirmation: second-signal, but no monitor.secondSignal is configured — nothing will be fenced';
  return `Confirmation: Nova and the second signal (${d.secondSource ?? monitor.secondSignal.driver}) must agree`;
}

function pauseLine(d: MonitorDecision): string {
  const p = d.pause;
  if (!p?.paused) return 'Recoveries: active';
  if (p.source === 'config') return 'Recoveries: PAUSED by monitor.paused in the config (remove it to resume)';
  return `Recoveries: PAUSED${p.since ? ` since ${p.since}` : ''}${p.by ? ` by ${p.by}` : ''} (freezer-dr resume to lift)`;
}

function graceCell(h: MonitorDecision['hosts'][number]): string {
  if (h.suspectForSeconds === null || h.graceSeconds === null) return '-';
  return `${h.suspectForSeconds.toFixed(1)}/${h.graceSeconds} s`;
}

function gateLine(g: MonitorDecision['gates'][number]): string {
  if (g.gate === 'fence-failed') return `FENCE FAILED ${g.hosts.join(', ')}: ${g.reason}`;
  if (g.gate === 'host-answers') return `HOST ANSWERS ${g.hosts.join(', ')}: ${g.reason}`;
  if (g.gate === 'unconfirmed') return `UNCONFIRMED ${g.hosts.join(', ')}: ${g.reason}`;
  if (g.blocking) return `GATE ${g.gate}: ${g.reason}`;
  if (g.gate === 'aggregate') return `GATE aggregate (holds ${g.hosts.join(', ')}): ${g.reason}`;
  return `NOTE ${g.gate}: ${g.reason}`;
}

function printDecision(d: MonitorDecision, monitor: MonitorConfig, out: (s: string) => void): void {
  out(`Compute services at ${d.at} (${CLOCK_NOTE[d.clock]})`);
  out(confirmationLine(d, monitor));
  out(pauseLine(d));
  out(
    table(
      ['host', 'state', 'status', 'forced', 'heartbeat', 'second signal', 'decision', 'grace', 'why'],
      d.hosts.map((h) => [
        h.host,
        h.state,
        h.status,
        h.forcedDown ? 'yes' : 'no',
        h.heartbeatAgeSeconds === null ? 'never' : `${h.heartbeatAgeSeconds}s`,
        h.secondSignal?.reachability ?? '-',
        h.verdict,
        graceCell(h),
        h.reason,
      ]),
    ),
  );
  for (const g of d.gates) out(gateLine(g));
  for (const r of d.recover) out(`would recover ${r.host} as incident ${r.incidentId}`);
}

export async function checkCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('check', argv, {
    config: { type: 'string' },
    json: { type: 'boolean' },
    preflight: { type: 'boolean' },
    capacity: { type: 'boolean' },
  });
  if (values.help) return (out(CHECK_HELP), EXIT.ok);
  const rt = await openRuntime(await requireConfig(values.config));
  if (values.preflight) return preflightCommand(rt, values.json ?? false, out);
  try {
    const { decision } = await runMonitorPass(rt, null);
    if (values.capacity) return await withCapacity(rt, decision, values.json ?? false, out);
    if (values.json) out(JSON.stringify(decision, null, 2));
    else printDecision(decision, rt.config.monitor, out);
    if (decision.gates.some((g) => g.gate === 'observer')) return EXIT.unreachable;
    return decision.hosts.some((h) => ATTENTION.has(h.verdict)) ? EXIT.failed : EXIT.ok;
  } finally {
    await rt.store.close();
  }
}

/** `check --capacity`: the pass, then the capacity check (JSON: the decision with a `capacity` key). */
async function withCapacity(
  rt: Runtime,
  decision: MonitorDecision,
  json: boolean,
  out: (s: string) => void,
): Promise<number> {
  if (!json) printDecision(decision, rt.config.monitor, out);
  if (decision.gates.some((g) => g.gate === 'observer')) {
    if (json) out(JSON.stringify(decision, null, 2));
    return EXIT.unreachable;
  }
  if (!json) out('');
  const { report, code } = await capacityVerdict(rt, { json: false }, json ? () => undefined : out);
  if (json) out(JSON.stringify({ ...decision, capacity: report }, null, 2));
  const attention = decision.hosts.some((h) => ATTENTION.has(h.verdict));
  return attention || code !== EXIT.ok ? EXIT.failed : EXIT.ok;
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
