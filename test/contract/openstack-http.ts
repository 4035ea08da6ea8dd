/**
 * A deliberately plain Keystone v3 + Nova client for tests: raw status codes, headers and JSON,
 * no retries, no schema, nothing of lib/openstack. What a contract or an e2e assertion reads
 * here is what the cloud really said.
 */

export interface Credentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName?: string;
  projectDomainName?: string;
  regionName?: string;
}

export interface RawResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null for an empty body; the raw text when it is not JSON. */
  body: T;
  text: string;
}

export interface CatalogEndpoint {
  interface: string;
  region_id?: string;
  region?: string;
  url: string;
}
export interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

type Json = Record<string, unknown>;

async function send(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number },
): Promise<RawResponse> {
  const headers: Record<string, string> = { Accept: 'application/json', ...(init.headers ?? {}) };
  let payload: string | undefined;
  if (init.body !== undefined) {
    payload = JSON.stringify(init.body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(url, {
    method: init.method,
    headers,
    body: payload,
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let body: unknown = null;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers: res.headers, body, text };
}

export class RawCloud {
  token = '';
  catalog: CatalogEntry[] = [];
  tokenBody: Json = {};
  constructor(readonly creds: Credentials) {}

  /** POST /v3/auth/tokens (password, project scope); keeps the token and catalog. */
  async authenticate(): Promise<RawResponse> {
    const c = this.creds;
    const res = await send(`${c.authUrl.replace(/\/$/, '')}/auth/tokens`, {
      method: 'POST',
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: c.username, domain: { name: c.userDomainName ?? 'Default' }, password: c.password },
            },
          },
          scope: { project: { name: c.projectName, domain: { name: c.projectDomainName ?? 'Default' } } },
        },
      },
    });
    if (res.status === 201) {
      this.token = res.headers.get('x-subject-token') ?? '';
      this.tokenBody = ((res.body as Json).token ?? {}) as Json;
      this.catalog = (this.tokenBody.catalog ?? []) as CatalogEntry[];
    }
    return res;
  }

  endpoint(type: string, iface = 'public'): string {
    const region = this.creds.regionName;
    const entry = this.catalog.find((e) => e.type === type);
    const ep = entry?.endpoints.find((e) => e.interface === iface && (!region || (e.region_id ?? e.region) === region));
    if (!ep) throw new Error(`no ${iface} ${type} endpoint in the catalog`);
    return ep.url.replace(/\/$/, '');
  }

  private async ensureToken(): Promise<void> {
    if (this.token) return;
    const res = await this.authenticate();
    if (res.status !== 201) throw new Error(`authentication failed: ${res.status} ${res.text.slice(0, 200)}`);
  }

  async keystone<T = Json>(method: string, path: string, body?: unknown): Promise<RawResponse<T>> {
    await this.ensureToken();
    return (await send(`${this.creds.authUrl.replace(/\/$/, '')}${path}`, {
      method,
      body,
      headers: { 'X-Auth-Token': this.token },
    })) as RawResponse<T>;
  }

  async nova<T = Json>(
    method: string,
    path: string,
    opts: { mv?: string; body?: unknown; timeoutMs?: number } = {},
  ): Promise<RawResponse<T>> {
    await this.ensureToken();
    const headers: Record<string, string> = { 'X-Auth-Token': this.token };
    if (opts.mv) headers['OpenStack-API-Version'] = `compute ${opts.mv}`;
    return (await send(`${this.endpoint('compute')}${path}`, {
      method,
      body: opts.body,
      headers,
      timeoutMs: opts.timeoutMs,
    })) as RawResponse<T>;
  }

  // ---- the few reads the tests make over and over ----

  async computeServices(): Promise<NovaService[]> {
    const res = await this.nova<{ services: NovaService[] }>('GET', '/os-services?binary=nova-compute', { mv: '2.53' });
    if (res.status !== 200) throw new Error(`GET /os-services: ${res.status} ${res.text.slice(0, 200)}`);
    return res.body.services;
  }

  async service(host: string): Promise<NovaService> {
    const s = (await this.computeServices()).find((x) => x.host === host);
    if (!s) throw new Error(`no nova-compute service on ${host}`);
    return s;
  }

  async servers(query = 'all_tenants=1'): Promise<NovaServer[]> {
    const res = await this.nova<{ servers: NovaServer[] }>('GET', `/servers/detail?${query}`, { mv: '2.80' });
    if (res.status !== 200) throw new Error(`GET /servers/detail: ${res.status} ${res.text.slice(0, 200)}`);
    return res.body.servers;
  }

  async server(id: string): Promise<NovaServer> {
    const res = await this.nova<{ server: NovaServer }>('GET', `/servers/${id}`, { mv: '2.80' });
    if (res.status !== 200) throw new Error(`GET /servers/${id}: ${res.status} ${res.text.slice(0, 200)}`);
    return res.body.server;
  }

  async migrations(query: string): Promise<NovaMigration[]> {
    const res = await this.nova<{ migrations: NovaMigration[] }>('GET', `/os-migrations?${query}`, { mv: '2.80' });
    if (res.status !== 200) throw new Error(`GET /os-migrations: ${res.status} ${res.text.slice(0, 200)}`);
    return res.body.migrations;
  }
}

export interface NovaService {
  id: string;
  binary: string;
  host: string;
  zone: string;
  status: 'enabled' | 'disabled';
  state: 'up' | 'down';
  forced_down: boolean;
  updated_at: string | null;
  disabled_reason: string | null;
}

export interface NovaServer {
  id: string;
  name: string;
  status: string;
  tenant_id: string;
  user_id: string;
  metadata: Record<string, string>;
  'OS-EXT-SRV-ATTR:host': string | null;
  'OS-EXT-STS:vm_state': string;
  'OS-EXT-STS:task_state': string | null;
  fault?: { code: number; message: string };
}

export interface NovaMigration {
  id: number;
  uuid: string;
  instance_uuid: string;
  migration_type: string;
  source_compute: string | null;
  dest_compute: string | null;
  status: string;
  created_at: string;
  updated_at: string | null;
}

export async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined | false>,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
