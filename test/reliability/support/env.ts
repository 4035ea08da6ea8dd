import { FAST, FAST_SIM, type Timing } from '../../support/timing.js';
/**
 * One reliability case's world: the simulated cloud (fast timings) behind a cuttable VPN proxy,
 * a real SMTP server (with AUTH, so there is an SMTP password to leak), a config as an object and
 * as a YAML file (for the CLI and child processes), a runtime whose logger writes to an array,
 * and the measurements every case ends with: unsafe actions and lost records.
 */
import { expect } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { taskHandlers } from '../../../functions/index.js';
import { main } from '../../../cli/main.js';
import { parseConfig, type Config } from '../../../lib/config/index.js';
import { incidentIdFor } from '../../../lib/incidents/index.js';
import { TERMINAL_STATUSES, type Incident } from '../../../lib/incidents/schemas.js';
import { createLogger, setLogger } from '../../../lib/log/index.js';
import {
  startSimCloud,
  startSimSmtp,
  type SimCloud,
  type SimOptions,
  type SimSnapshot,
} from '../../../lib/sim/index.js';
import { runLocalExecution, type LocalExecutionResult } from '../../../lib/workflow/local-runner.js';
import { createRuntime, setRuntime, type Runtime } from '../../../lib/workflow/runtime.js';
import type { ExecutionInputRaw } from '../../../lib/workflow/schemas.js';
import type { StartRecovery } from '../../../lib/monitor/index.js';
import { addSecret, addSecretSource, collect, onScan } from './corpus.js';
import { createEmfSink, createPrometheusRegistry, setMetricSinks } from '../../../lib/metrics/index.js';
import { getEventSinks, setEventSinks } from '../../../lib/events/index.js';
import { noLost, noUnsafe, recordCase, type CaseFigures, type Lost, type Unsafe } from './results.js';
import { startVpn, type Vpn } from './vpn.js';

export type SimSmtp = Awaited<ReturnType<typeof startSimSmtp>>;

export { FAST, type Timing } from '../../support/timing.js';

export interface EnvOptions {
  hosts?: string[];
  sim?: SimOptions;
  /** Edit the raw config (before it is parsed and written to the YAML file). */
  configPatch?: (raw: Record<string, any>) => void;
  auth?: 'password' | 'application-credential';
  /** Run the runtime with another fencer factory (IPMI mid-session kill). */
  runtime?: (config: Config) => Partial<Runtime>;
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface FigureOptions {
  /** Hosts that must not have been powered off (gated, or a name-prefix neighbour). */
  noFence?: string[];
  /** The case's request was refused: any change in the cloud after `mark()` is unsafe. */
  rejected?: boolean;
}

export interface RelEnv {
  sim: SimCloud;
  smtp: SimSmtp;
  vpn: Vpn;
  config: Config;
  raw: Record<string, any>;
  rt: Runtime;
  logs: string[];
  configPath: string;
  storePath: string;
  dir: string;
  /** The cloud as it was when the case started. */
  before: SimSnapshot;
  /** Run the real state machine in-process for a host (execution input and output go to the corpus). */
  recover(
    host: string,
    extra?: Partial<ExecutionInputRaw>,
    timing?: Timing,
  ): Promise<LocalExecutionResult & { incidentId: string }>;
  /** Run input exactly as given (bad-input cases). */
  execute(name: string, input: unknown, timing?: Timing): Promise<LocalExecutionResult>;
  /** The CLI in-process (`main`), then the test's runtime is made current again. */
  cli(...argv: string[]): Promise<CliResult>;
  /** Remember the request log position: `figures({ rejected: true })` counts changes after it. */
  mark(): void;
  figures(opts?: FigureOptions): Promise<CaseFigures>;
  /** Measure, record for the summary, collect the records for the S6 scan, and assert nothing unsafe or lost. */
  finish(opts?: FigureOptions & { note?: string }): Promise<CaseFigures>;
  stopSmtp(): Promise<void>;
  stop(): Promise<void>;
}

let counter = 0;

const FINAL = new Set(['evacuated', 'failed', 'skipped', 'timeout']);

export const isEvacuatePost = (r: { service: string; method: string; path: string; body?: string }) =>
  r.service === 'nova' &&
  r.method === 'POST' &&
  /\/servers\/[^/]+\/action$/.test(r.path) &&
  !!r.body?.includes('"evacuate"');
export const isResetPost = (r: { service: string; method: string; path: string }) =>
  r.service === 'redfish' && r.method === 'POST' && r.path.includes('ComputerSystem.Reset');
const ok = (status: number) => status >= 200 && status < 300;

export async function startRelEnv(opts: EnvOptions = {}): Promise<RelEnv> {
  const sim = await startSimCloud({
    ...FAST_SIM,
    hosts: opts.hosts,
    ...opts.sim,
    redfish: { ...FAST_SIM.redfish, ...opts.sim?.redfish },
  });
  const smtp = await startSimSmtp({});
  const vpn = await startVpn(sim);
  const tag = `REL${process.pid}_${++counter}`;
  const dir = mkdtempSync(join(tmpdir(), 'fdr-rel-'));
  const smtpPassword = `smtp-${randomBytes(9).toString('hex')}`;

  process.env[`FDR_${tag}_OS_PASSWORD`] = sim.admin.password;
  process.env[`FDR_${tag}_APP_SECRET`] = sim.admin.applicationCredentialSecret;
  process.env[`FDR_${tag}_SMTP`] = smtpPassword;
  addSecret('OpenStack password', sim.admin.password);
  addSecret('application-credential secret', sim.admin.applicationCredentialSecret);
  addSecret('SMTP password', smtpPassword);
  addSecretSource('Keystone token', () => vpn.tokens);

  const hosts: Record<string, unknown> = {};
  sim.hosts.forEach((h, i) => {
    const bmc = sim.bmc(h);
    process.env[`FDR_${tag}_BMC_${i}`] = bmc.password;
    addSecret(`BMC password (${h})`, bmc.password);
    hosts[h] = { driver: 'redfish', address: bmc.url, username: bmc.username, password: `env:FDR_${tag}_BMC_${i}` };
  });
  const storePath = join(dir, 'incidents.db');
  const auth =
    opts.auth === 'application-credential'
      ? {
          type: 'application-credential',
          applicationCredentialId: sim.admin.applicationCredentialId,
          applicationCredentialSecret: `env:FDR_${tag}_APP_SECRET`,
        }
      : {
          type: 'password',
          username: sim.admin.username,
          password: `env:FDR_${tag}_OS_PASSWORD`,
          projectName: sim.admin.projectName,
        };
  const raw: Record<string, any> = {
    cloud: { from: 'inline', authUrl: vpn.authUrl, regionName: sim.regionName, auth, requestTimeoutSeconds: 5 },
    // Nova's signal alone: these cases are about Nova, Keystone and BMC faults; the second signal has
    // its own suites (test/integration/second-signal-*.test.ts).
    monitor: { confirmation: 'nova-only', intervalSeconds: 1, staleAfterSeconds: 1, graceSeconds: 0 },
    fencing: { hosts, powerTimeoutSeconds: 2, pollIntervalSeconds: 0.05, requestTimeoutSeconds: 2 },
    // One quick retry (as test/support/recovery-env.ts): a lasting NoValidHost still ends failed within the timeout.
    evacuation: {
      concurrency: 3,
      instanceTimeoutSeconds: 15,
      checkIntervalSeconds: 1,
      retries: { count: 1, backoffSeconds: 0.1 },
    },
    notification: {
      admins: ['ops@example.org'],
      channels: [
        {
          driver: 'email',
          from: 'freezer-dr@example.org',
          transport: {
            type: 'smtp',
            host: '127.0.0.1',
            port: smtp.port,
            security: 'none',
            username: 'freezer-dr',
            password: `env:FDR_${tag}_SMTP`,
          },
        },
      ],
    },
    store: { driver: 'sqlite', path: storePath },
  };
  opts.configPatch?.(raw);
  const config = parseConfig(raw, 'reliability config');
  const configPath = join(dir, 'freezer-dr.yaml');
  writeFileSync(configPath, stringify(raw));

  const logs: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => logs.push(l) });
  setLogger(log);
  const rt = await createRuntime(config, { log, ...opts.runtime?.(config) });
  setRuntime(rt);
  // S6 covers metrics and lifecycle events too: both outputs of the catalog and every event are scanned.
  const emf: string[] = [];
  const prometheus = createPrometheusRegistry();
  setMetricSinks([prometheus, createEmfSink({ write: (l) => emf.push(l) })]);
  const published: unknown[] = [];
  setEventSinks([...getEventSinks(), { name: 'scan', send: async (e) => void published.push(e) }]);
  const before = sim.snapshot();
  // S1 as it happens: the power state of the source host at the moment each evacuate request
  // reached Nova (a host still PoweringOff, or On, is not confirmed off).
  const hostOf = new Map(before.servers.map((s) => [s.id, s.host]));
  const powerAtEvacuation: Array<{ instanceId: string; host: string; power: string }> = [];
  let sampled = 0;
  const sampler = setInterval(() => {
    for (; sampled < sim.requestLog.length; sampled++) {
      const r = sim.requestLog[sampled]!;
      if (!isEvacuatePost(r)) continue;
      const id = /\/servers\/([^/]+)\/action$/.exec(r.path)?.[1] ?? '';
      const host = hostOf.get(id);
      if (host) powerAtEvacuation.push({ instanceId: id, host, power: sim.powerState(host) });
    }
  }, 2);
  let markAt = 0;
  let collected = false;
  let finished = false;
  // The case this environment belongs to (none for an environment shared by a whole file).
  const createdIn = expect.getState().currentTestName;
  let smtpStopped = false;
  let stopped = false;

  async function storeDump(): Promise<{
    incidents: Incident[];
    records: Awaited<ReturnType<Runtime['store']['listInstances']>>;
    events: unknown[];
  }> {
    const incidents = await rt.store.listIncidents({ limit: 1000 });
    const records = (await Promise.all(incidents.map((i) => rt.store.listInstances(i.id)))).flat();
    const events = (await Promise.all(incidents.map((i) => rt.store.listEvents(i.id)))).flat();
    return { incidents, records, events };
  }

  async function collectAll(): Promise<void> {
    if (collected) return;
    collected = true;
    const dump = await storeDump().catch(() => undefined);
    if (dump) collect(`incident records:${tag}`, dump);
    collect(`log:${tag}`, logs.join('\n'));
    for (const [i, m] of smtp.messages.entries()) collect(`mail:${tag}#${i}`, m.raw);
    collect(`metrics:${tag}`, `${prometheus.render()}\n${emf.join('\n')}`);
    collect(`events:${tag}`, published);
  }

  onScan(collectAll);

  const env: RelEnv = {
    sim,
    smtp,
    vpn,
    config,
    raw,
    rt,
    logs,
    configPath,
    storePath,
    dir,
    before,
    async recover(host, extra = {}, timing = FAST) {
      const incidentId = extra.incidentId ?? incidentIdFor(host, new Date());
      const input: ExecutionInputRaw = {
        incidentId,
        host,
        reason: 'reliability case',
        detectedAt: new Date().toISOString(),
        requestedBy: 'test',
        ...extra,
      };
      const r = await env.execute(incidentId, input, timing);
      return { ...r, incidentId };
    },
    async execute(name, input, timing = FAST) {
      collect('execution input', input);
      const r = await runLocalExecution(name, input, {
        handlers: taskHandlers,
        waitMs: timing.waitMs,
        retryMs: timing.retryMs,
      });
      collect('execution output', r);
      return r;
    },
    async cli(...argv) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(
        argv,
        (s) => out.push(s),
        (s) => err.push(s),
      );
      setRuntime(rt);
      const res = { code, out: out.join('\n'), err: err.join('\n') };
      collect(`cli:${argv[0] ?? ''}`, `${res.out}\n${res.err}`);
      return res;
    },
    mark() {
      markAt = sim.requestLog.length;
    },
    async figures(fo = {}) {
      const snap = sim.snapshot();
      const logEntries = sim.requestLog;
      const unsafe: Unsafe = noUnsafe();
      const lost: Lost = noLost();

      const resets = new Map<string, number>();
      const firstReset = new Map<string, number>();
      logEntries.forEach((r, i) => {
        if (!isResetPost(r) || !ok(r.status)) return;
        resets.set(r.host!, (resets.get(r.host!) ?? 0) + 1);
        if (!firstReset.has(r.host!)) firstReset.set(r.host!, i);
      });
      for (const n of resets.values()) unsafe.doubleFences += Math.max(0, n - 1);
      for (const h of fo.noFence ?? []) unsafe.gatedFences += resets.get(h) ?? 0;

      const known = new Set(before.migrations.map((m) => m.id));
      const migrations = snap.migrations.filter((m) => !known.has(m.id) && m.migrationType === 'evacuation');
      // A retry after Nova reported the previous attempt ended (its migration `error` or `failed`) is not a
      // double evacuation (S5); any other second migration of an instance is.
      const byInstance = new Map<string, typeof migrations>();
      for (const m of migrations) byInstance.set(m.instanceUuid, [...(byInstance.get(m.instanceUuid) ?? []), m]);
      const ended = new Map<string, number>();
      let doubleMigrations = 0;
      for (const [id, list] of byInstance) {
        list.sort((a, b) => a.id - b.id);
        ended.set(id, list.filter((m) => m.status === 'error' || m.status === 'failed').length);
        list.slice(1).forEach((_, k) => {
          if (list[k]!.status !== 'error' && list[k]!.status !== 'failed') doubleMigrations++;
        });
      }
      const posts = new Map<string, number>();
      const firstPost = new Map<string, number>();
      logEntries.forEach((r, i) => {
        if (!isEvacuatePost(r) || !ok(r.status)) return;
        posts.set(r.path, (posts.get(r.path) ?? 0) + 1);
        if (!firstPost.has(r.path)) firstPost.set(r.path, i);
      });
      const idOf = (path: string) => /\/servers\/([^/]+)\/action$/.exec(path)?.[1] ?? '';
      const doublePosts = [...posts].reduce((a, [p, n]) => a + Math.max(0, n - 1 - (ended.get(idOf(p)) ?? 0)), 0);
      unsafe.doubleEvacuations = Math.max(doubleMigrations, doublePosts);

      const incidents = await rt.store.listIncidents({ limit: 1000 });
      const power = new Map(snap.services.filter((s) => s.binary === 'nova-compute').map((s) => [s.host, s.power]));
      const redfish = (host: string) => (config.fencing.hosts[host]?.driver ?? 'redfish') === 'redfish';
      const byOperator = (host: string) => incidents.some((i) => i.host === host && i.fence?.method === 'operator');
      const unconfirmed = new Set<string>();
      for (const e of powerAtEvacuation)
        if (redfish(e.host) && !byOperator(e.host) && e.power !== 'Off') unconfirmed.add(e.instanceId);
      for (const m of migrations) {
        const host = m.sourceCompute;
        const fenced = incidents.filter((i) => i.host === host && i.fence?.fenced);
        const confirmed = fenced.some(
          (i) => i.fence!.method === 'operator' || (i.fence!.method === 'redfish' ? power.get(host) === 'Off' : true),
        );
        const post = [...firstPost.entries()].find(([p]) => p.includes(`/servers/${m.instanceUuid}/action`))?.[1];
        const reset = firstReset.get(host);
        const operator = fenced.some((i) => i.fence!.method === 'operator');
        // The power-off request came before the evacuation (or the host was found already off).
        const inOrder =
          operator ||
          post === undefined ||
          (reset === undefined ? fenced.some((i) => i.fence!.alreadyOff) : reset < post) ||
          fenced.some((i) => i.fence!.method !== 'redfish');
        if (!confirmed || !inOrder) unconfirmed.add(m.instanceUuid);
      }
      unsafe.unconfirmedEvacuations = unconfirmed.size;
      if (fo.rejected)
        unsafe.changesFromRejectedInput = logEntries
          .slice(markAt)
          .filter((r) => r.service !== 'keystone' && r.method !== 'GET').length;

      lost.openIncidents = incidents.filter((i) => !TERMINAL_STATUSES.has(i.status)).length;
      const byHost = new Map<string, Incident[]>();
      for (const i of incidents) if (!i.dryRun && i.plan) byHost.set(i.host, [...(byHost.get(i.host) ?? []), i]);
      for (const [host, list] of byHost) {
        const records = (await Promise.all(list.map((i) => rt.store.listInstances(i.id)))).flat();
        const expected = new Set([
          ...before.servers.filter((s) => s.host === host).map((s) => s.id),
          ...list.flatMap((i) => [...i.plan!.items.map((x) => x.id), ...i.plan!.skipped.map((x) => x.id)]),
        ]);
        for (const id of expected)
          if (!records.some((r) => r.instanceId === id && FINAL.has(r.outcome))) lost.instancesWithoutFinalRecord++;
        for (const r of records.filter((x) => x.outcome === 'evacuated')) {
          const s = snap.servers.find((x) => x.id === r.instanceId);
          if (!s || s.host !== r.targetHost || s.host === r.sourceHost || !['ACTIVE', 'SHUTOFF'].includes(s.status))
            lost.wrongRecords++;
        }
      }
      return { unsafe, lost, leaks: 0 };
    },
    async finish(fo = {}) {
      finished = true;
      const f = await env.figures(fo);
      recordCase({ unsafe: f.unsafe, lost: f.lost, note: fo.note });
      await collectAll();
      expect({ unsafe: f.unsafe, lost: f.lost }).toEqual({ unsafe: noUnsafe(), lost: noLost() });
      return f;
    },
    async stopSmtp() {
      if (smtpStopped) return;
      smtpStopped = true;
      await smtp.stop();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // A case that failed before finish(): its figures still count in the summary.
      if (!finished && createdIn && expect.getState().currentTestName === createdIn) {
        const f = await env.figures().catch(() => undefined);
        if (f) recordCase({ unsafe: f.unsafe, lost: f.lost, note: 'measured after the case failed' });
      }
      await collectAll().catch(() => undefined);
      clearInterval(sampler);
      setRuntime(undefined);
      await rt.store.close();
      await env.stopSmtp();
      await vpn.stop();
      await sim.stop();
    },
  };
  return env;
}

/** The host with the most instances (ties: by name). */
export function busiestHost(sim: SimCloud): string {
  const count = new Map<string, number>();
  for (const s of sim.snapshot().servers) if (s.host) count.set(s.host, (count.get(s.host) ?? 0) + 1);
  return [...count.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}

/** Poll until `cond` holds; throws with `what` at the deadline. */
export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 15_000,
  every = 20,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A stack trace in user-facing output ("    at fn (file:line)"). */
export const STACK = /\n\s+at [^\n]*(\(|:\d+)/;

/** Starts the real state machine in-process; like Step Functions, a name (= incident id) runs once. */
export function executor(e: RelEnv) {
  const executions = new Map<string, Promise<LocalExecutionResult & { incidentId: string }>>();
  let attempts = 0;
  const start: StartRecovery = async (input) => {
    attempts++;
    if (executions.has(input.incidentId)) return { started: false, detail: 'ExecutionAlreadyExists' };
    executions.set(input.incidentId, e.recover(input.host, input));
    return { started: true, detail: 'in-process' };
  };
  return { start, executions, attempts: () => attempts };
}
