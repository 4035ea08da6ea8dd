import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { join, resolve } from 'node:path';
import { parseConfig } from '../lib/config/index.js';
import { TERMINAL_STATUSES } from '../lib/incidents/index.js';
import { createLogger } from '../lib/log/index.js';
import { startSimCloud, startSimSmtp } from '../lib/sim/index.js';
import { openRuntime } from './context.js';
import { EXIT } from './exit-codes.js';
import { incidentSummary, table, timelineLine } from './format.js';
import { watch } from './watch.js';

/** How soon after start the demo's victim host stops heartbeating. */
const CRASH_AFTER_MS = 3000;
/** The demo gives up (and fails) if the recovery has not finished by then. */
const DEMO_DEADLINE_MS = 60_000;

/**
 * `freezer-dr start` with no config: an embedded simulated cloud (Keystone, Nova and one
 * Redfish BMC per host on 127.0.0.1), a real SMTP server, and the real watchdog against them.
 * One host crashes; the watchdog detects, fences, isolates, evacuates, verifies and mails.
 */
// eslint-disable-next-line max-lines-per-function -- the demo is a script told in order (start the cloud, crash a host, watch, summarise); splitting it hides the story
export async function runDemo(out: (line: string) => void, opts: { workDir?: string } = {}): Promise<number> {
  const started = Date.now();
  const stamp = new Date(started)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const workDir = resolve(opts.workDir ?? join('.freezer-dr', 'demo', stamp));
  const outbox = join(workDir, 'outbox');
  mkdirSync(outbox, { recursive: true });
  const logFile = join(workDir, 'freezer-dr.log');

  const sim = await startSimCloud({ reportIntervalMs: 500, serviceDownTimeMs: 6000, rebuildMs: 1500 });
  const smtp = await startSimSmtp({ outboxDir: outbox });
  const abort = new AbortController();
  const deadline = setTimeout(() => abort.abort(), DEMO_DEADLINE_MS);
  try {
    const snapshot = sim.snapshot();
    const byHost = new Map<string, number>();
    for (const s of snapshot.servers) if (s.host) byHost.set(s.host, (byHost.get(s.host) ?? 0) + 1);
    const victim =
      [...byHost.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? sim.hosts[0]!;

    // Secrets reach the config only as references, exactly as in production.
    process.env.FREEZER_DR_DEMO_OS_PASSWORD = sim.admin.password;
    const hosts: Record<string, unknown> = {};
    sim.hosts.forEach((h, i) => {
      const bmc = sim.bmc(h);
      process.env[`FREEZER_DR_DEMO_BMC_${i}`] = bmc.password;
      hosts[h] = {
        driver: 'redfish',
        address: bmc.url,
        username: bmc.username,
        password: `env:FREEZER_DR_DEMO_BMC_${i}`,
        authMode: 'session',
      };
    });
    const config = parseConfig(
      {
        cloud: {
          from: 'inline',
          authUrl: sim.authUrl,
          regionName: sim.regionName,
          auth: {
            type: 'password',
            username: sim.admin.username,
            password: 'env:FREEZER_DR_DEMO_OS_PASSWORD',
            projectName: sim.admin.projectName,
            userDomainName: sim.admin.userDomainName,
            projectDomainName: sim.admin.projectDomainName,
          },
        },
        // Both signals, as the README recommends: Nova's heartbeat and Prometheus' `up` (the
        // simulator's embedded Prometheus API) must agree before anything is fenced.
        monitor: {
          intervalSeconds: 1,
          staleAfterSeconds: 3,
          graceSeconds: 2,
          secondSignal: { driver: 'prometheus', url: sim.prometheusUrl },
        },
        fencing: { hosts, powerTimeoutSeconds: 10, pollIntervalSeconds: 0.25 },
        evacuation: { concurrency: 4, instanceTimeoutSeconds: 30, checkIntervalSeconds: 1 },
        notification: {
          admins: ['cloud-admins@example.org'],
          channels: [
            {
              driver: 'email',
              from: 'freezer-dr@example.org',
              transport: { type: 'smtp', host: '127.0.0.1', port: smtp.port, security: 'none' },
            },
          ],
        },
        store: { driver: 'sqlite', path: join(workDir, 'incidents.db') },
      },
      'the embedded demo config',
    );
    const rt = await openRuntime(config, {
      log: createLogger({ level: 'info', write: (line) => appendFileSync(logFile, line + '\n') }),
      onEvent: (_id, e) => out(timelineLine(started, e)),
    });

    out('freezer-dr demo — an embedded simulated OpenStack on 127.0.0.1 (no AWS, no real cloud)');
    out(
      `  Keystone ${sim.authUrl}, ${sim.hosts.length} compute hosts with a Redfish BMC each, ${snapshot.servers.length} instances, SMTP on port ${smtp.port}`,
    );
    out(
      `  second signal: Prometheus API ${sim.prometheusUrl} (node_exporter's up per host); a host is fenced only when Nova and Prometheus agree`,
    );
    out(
      table(
        ['host', 'instances'],
        sim.hosts.map((h) => [h, byHost.get(h) ?? 0]),
      ),
    );
    out(
      `  ${victim} will crash in ${CRASH_AFTER_MS / 1000} s (its nova-compute stops heartbeating and it stops answering Prometheus; its BMC still answers)\n`,
    );
    setTimeout(() => {
      sim.crashHost(victim);
      out(
        timelineLine(started, {
          at: new Date().toISOString(),
          step: 'detect',
          message: `[simulator] ${victim} crashed: heartbeats stopped, up=0 in Prometheus`,
          instanceId: null,
        }),
      );
    }, CRASH_AFTER_MS).unref();

    await watch(rt, {
      intervalMs: 1000,
      out,
      signal: abort.signal,
      // Short retries for the simulator; the evacuation checks follow their own adaptive schedule.
      timing: {
        retryMs: { EvacuateRound: 500, Fence: 500, Isolate: 300, Plan: 300, Validate: 300 },
      },
      done: async () =>
        (await rt.store.listIncidents()).some((i) => i.host === victim && TERMINAL_STATUSES.has(i.status)),
    });

    const incident = (await rt.store.listIncidents()).find((i) => i.host === victim);
    if (!incident) {
      out(`\nno incident for ${victim} within ${DEMO_DEADLINE_MS / 1000} s — see ${logFile}`);
      return EXIT.failed;
    }
    out('\n' + incidentSummary(incident, await rt.store.listInstances(incident.id)));
    out(`\nMails delivered through SMTP (${smtp.messages.length}), written to ${outbox}:`);
    for (const m of smtp.messages) out(`  ${m.emlPath ?? '(not written)'}  → ${m.envelopeTo.join(', ')}`);
    out(`\nStructured logs: ${logFile}`);
    // A config that points at this run's store, so the incident can be read again after the demo.
    const replayConfig = join(workDir, 'freezer-dr.yaml');
    writeFileSync(
      replayConfig,
      stringify({ cloud: { from: 'env' }, store: { driver: 'sqlite', path: join(workDir, 'incidents.db') } }),
    );
    out(`Inspect again:    npx freezer-dr incidents ${incident.id} --config ${replayConfig}`);
    out(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    await rt.store.close();
    return incident.status === 'resolved' ? EXIT.ok : EXIT.failed;
  } finally {
    clearTimeout(deadline);
    await smtp.stop();
    await sim.stop();
  }
}
