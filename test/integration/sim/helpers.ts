import type { SimCloud } from '../../../lib/sim/index.js';

/** Small fetch wrappers for the sim tests: plain HTTP, no project client code. */

export interface Res {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown; signal?: AbortSignal } = {},
): Promise<Res> {
  const headers: Record<string, string> = { Accept: 'application/json', ...(init.headers ?? {}) };
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const req: RequestInit = { method: init.method ?? 'GET', headers };
  if (body !== undefined) req.body = body;
  if (init.signal) req.signal = init.signal;
  const res = await fetch(url, req);
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export function passwordAuth(
  sim: SimCloud,
  over: { password?: string; projectName?: string; username?: string } = {},
): unknown {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: {
            name: over.username ?? sim.admin.username,
            domain: { name: sim.admin.userDomainName },
            password: over.password ?? sim.admin.password,
          },
        },
      },
      scope: {
        project: { name: over.projectName ?? sim.admin.projectName, domain: { name: sim.admin.projectDomainName } },
      },
    },
  };
}

export async function adminToken(sim: SimCloud): Promise<string> {
  const res = await call(`${sim.authUrl}/auth/tokens`, { method: 'POST', body: passwordAuth(sim) });
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${res.text}`);
  return res.headers.get('x-subject-token')!;
}

export function nova(
  sim: SimCloud,
  token: string,
  path: string,
  opts: { mv?: string; method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<Res> {
  const headers: Record<string, string> = { 'X-Auth-Token': token };
  if (opts.mv) headers['OpenStack-API-Version'] = `compute ${opts.mv}`;
  const init: Parameters<typeof call>[1] = { method: opts.method ?? 'GET', headers, body: opts.body };
  if (opts.signal) init.signal = opts.signal;
  return call(`${sim.endpoints.compute}${path}`, init);
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5000,
  everyMs = 20,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fast timings for every sim test. */
export const FAST = {
  reportIntervalMs: 100,
  serviceDownTimeMs: 500,
  rebuildMs: 100,
  hostBootMs: 50,
  redfish: { powerOffDelayMs: 50, powerOnDelayMs: 50 },
} as const;

export function serverId(sim: SimCloud, name: string): string {
  const s = sim.snapshot().servers.find((x) => x.name === name);
  if (!s) throw new Error(`no server ${name}`);
  return s.id;
}
