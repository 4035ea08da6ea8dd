import { FAST, FAST_SIM } from './timing.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type Config } from '../../lib/config/index.js';
import { createLogger } from '../../lib/log/index.js';
import { startSimCloud, startSimSmtp, type SimCloud } from '../../lib/sim/index.js';
import { createRuntime, setRuntime, type Runtime } from '../../lib/workflow/runtime.js';
import { runLocalExecution, type LocalExecutionResult } from '../../lib/workflow/local-runner.js';
import { taskHandlers } from '../../functions/index.js';
import type { ExecutionInputRaw } from '../../lib/workflow/schemas.js';
import { incidentIdFor } from '../../lib/incidents/index.js';
import { simCloud } from './sim-cloud.js';

export type SimSmtp = Awaited<ReturnType<typeof startSimSmtp>>;

export interface RecoveryEnv {
  sim: SimCloud;
  smtp: SimSmtp;
  config: Config;
  /** The config as written (secrets as env references): what a config file would hold. */
  raw: Record<string, unknown>;
  rt: Runtime;
  logs: string[];
  /** Run the real state machine in-process for a host. */
  recover(host: string, extra?: Partial<ExecutionInputRaw>): Promise<LocalExecutionResult & { incidentId: string }>;
  stop(): Promise<void>;
}

let counter = 0;

/**
 * A simulated cloud (fast timings), a real SMTP server, and a runtime wired to them the way
 * the CLI wires a real cloud: inline config, secrets as env references, Redfish BMCs, SQLite.
 */
export async function startRecoveryEnv(
  opts: {
    hosts?: string[];
    configPatch?: (c: Record<string, unknown>, sim: SimCloud) => void;
    sim?: Parameters<typeof startSimCloud>[0];
  } = {},
): Promise<RecoveryEnv> {
  const sim = await startSimCloud({ ...FAST_SIM, hosts: opts.hosts, ...opts.sim });
  const smtp = await startSimSmtp({});
  const tag = `T${process.pid}_${++counter}`;
  process.env[`FDR_TEST_OS_PASSWORD_${tag}`] = sim.admin.password;
  const hosts: Record<string, unknown> = {};
  sim.hosts.forEach((h, i) => {
    const bmc = sim.bmc(h);
    process.env[`FDR_TEST_BMC_${tag}_${i}`] = bmc.password;
    hosts[h] = {
      driver: 'redfish',
      address: bmc.url,
      username: bmc.username,
      password: `env:FDR_TEST_BMC_${tag}_${i}`,
    };
  });
  const raw: Record<string, unknown> = {
    cloud: simCloud(sim, `env:FDR_TEST_OS_PASSWORD_${tag}`),
    // Nova's signal alone: the second signal has its own suites (test/integration/second-signal*.test.ts).
    monitor: { confirmation: 'nova-only', intervalSeconds: 1, staleAfterSeconds: 1, graceSeconds: 0 },
    fencing: { hosts, powerTimeoutSeconds: 2, pollIntervalSeconds: 0.05 },
    // One quick retry after NoValidHost or a 5xx: a permanent fault ends `failed` well inside the 10 s timeout.
    evacuation: {
      concurrency: 3,
      instanceTimeoutSeconds: 10,
      checkIntervalSeconds: 1,
      retries: { count: 1, backoffSeconds: 0.1 },
    },
    notification: {
      admins: ['ops@example.org'],
      channels: [
        {
          driver: 'email',
          from: 'freezer-dr@example.org',
          transport: { type: 'smtp', host: '127.0.0.1', port: smtp.port, security: 'none' },
        },
      ],
    },
    store: { driver: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'fdr-it-')), 'incidents.db') },
  };
  opts.configPatch?.(raw, sim);
  const config = parseConfig(raw, 'test config');
  const logs: string[] = [];
  const rt = await createRuntime(config, { log: createLogger({ level: 'debug', write: (l) => logs.push(l) }) });
  setRuntime(rt);
  const timing = FAST;
  return {
    sim,
    smtp,
    config,
    raw,
    rt,
    logs,
    async recover(host, extra = {}) {
      const incidentId = extra.incidentId ?? incidentIdFor(host, new Date());
      const input: ExecutionInputRaw = {
        incidentId,
        host,
        reason: 'test',
        detectedAt: new Date().toISOString(),
        requestedBy: 'test',
        ...extra,
      };
      const r = await runLocalExecution(incidentId, input, { handlers: taskHandlers, ...timing });
      return { ...r, incidentId };
    },
    async stop() {
      setRuntime(undefined);
      await rt.store.close();
      await smtp.stop();
      await sim.stop();
    },
  };
}

/** The host with the most instances (the interesting one to crash). */
export function busiestHost(sim: SimCloud): string {
  const count = new Map<string, number>();
  for (const s of sim.snapshot().servers) if (s.host) count.set(s.host, (count.get(s.host) ?? 0) + 1);
  return [...count.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}
