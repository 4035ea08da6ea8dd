import { parse } from '../args.js';
import { applyOsCloud, configPathFrom, openRuntime } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { timelineLine } from '../format.js';
import { PASSES_KEPT, healthOf, parseListen, startLocalServer, type WatcherHealth } from '../server.js';
import { renderStatusPage } from '../status-page.js';
import type { Runtime } from '../../lib/workflow/index.js';
import { TERMINAL_STATUSES } from '../../lib/incidents/index.js';
import { watch } from '../watch.js';
import { ConfigNotFoundError, DEFAULT_CONFIG_FILE, loadConfigFile } from '../../lib/config/index.js';
import { createPrometheusRegistry, getMetricSinks, setMetricSinks } from '../../lib/metrics/index.js';
import { assertComputeMicroversions } from '../../lib/openstack/index.js';
import { preflightAndAlert, scheduledCapacity } from '../../lib/workflow/index.js';

export const START_HELP = `Usage: freezer-dr start [--config FILE] [--listen ADDR:PORT]

Watch the cloud of ./freezer-dr.yaml (or --config FILE) and keep running: a
monitor pass every monitor.intervalSeconds; each failed host is recovered by the
state machine, in-process. Incidents left open by a previous run are resumed
first. Stop with Ctrl-C or SIGTERM.

  --listen ADDR:PORT   serve a status page on /, /metrics (Prometheus text),
                       /healthz and /readyz, e.g. 127.0.0.1:9464

Without a config file it refuses (exit 2): the demo is "freezer-dr demo".`;

export async function startCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse('start', argv, { config: { type: 'string' }, listen: { type: 'string' } });
  if (values.help) return (out(START_HELP), EXIT.ok);
  const path = configPathFrom(values.config);
  // A supervisor started in the wrong directory must not look healthy: no config is an error.
  if (!path)
    throw new ConfigNotFoundError(DEFAULT_CONFIG_FILE, {
      hint: 'run it where freezer-dr.yaml is, or pass --config FILE (see README "Configuration"); the demo is: freezer-dr demo',
    });
  const listen = values.listen ? parseListen(values.listen) : undefined;
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await runWatcher(path, { out, signal: abort.signal, listen });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** `start` without the process plumbing: tests run it in-process and stop it with `signal`. */
export async function runWatcher(
  path: string,
  opts: { out: (s: string) => void; signal: AbortSignal; listen?: { host: string; port: number } },
): Promise<number> {
  const { out, signal } = opts;
  const config = applyOsCloud(await loadConfigFile(path));
  const intervalMs = config.monitor.intervalSeconds * 1000;
  const health: WatcherHealth = { startedAt: new Date().toISOString(), intervalMs, passes: [] };
  let server: Awaited<ReturnType<typeof startLocalServer>> | undefined;
  const previousSinks = getMetricSinks();
  let runtime: Runtime | undefined;
  if (opts.listen) {
    const registry = createPrometheusRegistry();
    setMetricSinks([...previousSinks, registry]);
    // Listen before the first cloud call, so a supervisor sees an unready watcher rather than none.
    server = await startLocalServer({
      listen: opts.listen,
      registry,
      health,
      page: (p) =>
        runtime ? statusPages(runtime, health, config.monitor.intervalSeconds, p) : Promise.resolve(undefined),
    });
    out(`serving ${server.url}/ (status), /metrics, /healthz and /readyz`);
  }
  try {
    const started = Date.now();
    const rt = await openRuntime(config, { onEvent: (_id, e) => out(timelineLine(started, e)) });
    runtime = rt;
    try {
      const version = await assertComputeMicroversions(rt.session);
      out(
        `freezer-dr watching ${path}: compute API up to microversion ${version.max}, a pass every ${config.monitor.intervalSeconds} s${config.monitor.paused ? ' (PAUSED: monitor-only)' : ''}`,
      );
      // Misconfiguration must show on a quiet day, not mid-incident: the admins hear of new failures.
      const { report } = await preflightAndAlert(rt, signal);
      for (const c of report.checks.filter((x) => !x.ok)) out(`PREFLIGHT ${c.check} ${c.target}: ${c.detail}`);
      // Like the preflight, capacity shows on a quiet day; then every capacity.intervalHours.
      const capacity = await scheduledCapacity(rt);
      if (capacity.report && !capacity.report.ok)
        out(`CAPACITY the loss of ${capacity.report.worstCase?.host} would not be absorbed (freezer-dr capacity)`);
      await watch(rt, {
        intervalMs,
        out,
        signal,
        capacity: true,
        onPass: (p) => {
          health.passes.push(p);
          if (health.passes.length > PASSES_KEPT) health.passes.shift();
        },
      });
    } finally {
      await rt.store.close();
    }
    return EXIT.ok;
  } finally {
    await server?.close();
    setMetricSinks([...previousSinks]);
  }
}

/** `/` is the status page, `/incidents/<id>` the incident's page (what `incidents ID --html` writes). */
async function statusPages(
  rt: Runtime,
  health: WatcherHealth,
  intervalSeconds: number,
  path: string,
): Promise<string | undefined> {
  if (path === '/') {
    const h = healthOf(health);
    const recent = await rt.store.listIncidents({ limit: 20 });
    return renderStatusPage({
      now: new Date().toISOString(),
      startedAt: health.startedAt,
      intervalSeconds,
      healthy: h.healthy,
      ready: h.ready,
      passes: health.passes,
      open: recent.filter((i) => !TERMINAL_STATUSES.has(i.status)),
      recent: recent.filter((i) => TERMINAL_STATUSES.has(i.status)),
    });
  }
  const m = /^\/incidents\/([^/]+)$/.exec(path);
  if (!m) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  const incident = await rt.store.getIncident(id);
  if (!incident) return undefined;
  const { renderIncidentHtml } = await import('../../lib/notify/index.js');
  return renderIncidentHtml(
    { incident, instances: await rt.store.listInstances(id), events: await rt.store.listEvents(id) },
    { timeZone: rt.config.notification.timeZone },
  );
}
