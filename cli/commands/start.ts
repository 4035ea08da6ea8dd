import { parse } from '../args.js';
import { configPathFrom, openRuntime } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { timelineLine } from '../format.js';
import { watch } from '../watch.js';
import { loadConfigFile } from '../../lib/config/index.js';
import { assertComputeMicroversions } from '../../lib/openstack/index.js';
import { preflightAndAlert } from '../../lib/workflow/index.js';

export const START_HELP = `Usage: freezer-dr start [--config FILE]

With a config file (./freezer-dr.yaml or --config): watch that cloud and keep
running — a monitor pass every monitor.intervalSeconds; each failed host is
recovered by the state machine, in-process. Incidents left open by a previous
run are resumed first. Stop with Ctrl-C.

Without a config file: the demo. An embedded simulated cloud (Keystone, Nova,
a Redfish BMC per host, an SMTP server) starts on 127.0.0.1, one host crashes,
and the watchdog recovers it end to end, then exits (0 when recovered).`;

export async function startCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('start', argv, { config: { type: 'string' } });
  if (values.help) return (out(START_HELP), EXIT.ok);
  const path = configPathFrom(values.config);
  if (!path) {
    const { runDemo } = await import('../demo.js');
    return runDemo(out);
  }
  const config = await loadConfigFile(path);
  const started = Date.now();
  const rt = await openRuntime(config, { onEvent: (_id, e) => out(timelineLine(started, e)) });
  const version = await assertComputeMicroversions(rt.session);
  out(
    `freezer-dr watching ${path}: compute API up to microversion ${version.max}, a pass every ${config.monitor.intervalSeconds} s${config.monitor.paused ? ' (PAUSED: monitor-only)' : ''}`,
  );
  // Misconfiguration must show on a quiet day, not mid-incident: the admins hear of new failures.
  const { report } = await preflightAndAlert(rt);
  for (const c of report.checks.filter((x) => !x.ok)) out(`PREFLIGHT ${c.check} ${c.target}: ${c.detail}`);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await watch(rt, { intervalMs: config.monitor.intervalSeconds * 1000, out, signal: abort.signal });
  await rt.store.close();
  return EXIT.ok;
}
