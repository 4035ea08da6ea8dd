import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import * as z from 'zod';
import {
  BmcAuthError,
  BmcPrivilegeError,
  BmcProtocolError,
  BmcUnreachableError,
  PowerStateUnknownError,
} from './errors.js';
import type { Fencer, FencerFactory, PowerAction, PowerState } from './fencer.js';

const CollectionSchema = z.object({ Members: z.array(z.object({ '@odata.id': z.string() })) });
const SystemSchema = z.object({
  Id: z.string().optional(),
  PowerState: z.string().nullish(),
  Actions: z
    .object({ '#ComputerSystem.Reset': z.object({ target: z.string() }).loose().optional() })
    .loose()
    .optional(),
});

const RESET_TYPE: Record<PowerAction, string> = { off: 'ForceOff', on: 'On' };

/**
 * A Redfish BMC (DMTF DSP0266): discover the ComputerSystem, read PowerState, POST
 * ComputerSystem.Reset. Basic or session auth, TLS with a private CA. Vendors that answer
 * 400/409 to ForceOff when the system is already off are tolerated: the fence loop reads the
 * state next, and only "Off" counts.
 */
export const createRedfishFencer: FencerFactory = (bmc) => {
  if (!bmc.address) throw new BmcProtocolError(`redfish BMC of ${bmc.host} has no address`);
  const base = bmc.address.replace(/\/+$/, '');
  const who = `${bmc.username ?? '(no user)'}@${base}`;
  const http: AxiosInstance = axios.create({
    baseURL: base,
    timeout: bmc.requestTimeoutMs,
    httpsAgent: new Agent({
      ca: bmc.caBundle ? readFileSync(bmc.caBundle) : undefined,
      rejectUnauthorized: !bmc.insecure,
    }),
    validateStatus: () => true,
    maxRedirects: 0,
    headers: { Accept: 'application/json', 'OData-Version': '4.0' },
  });
  let sessionToken: string | undefined;
  let sessionUrl: string | undefined;
  let systemPath: string | undefined;

  async function send(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    data?: unknown,
    signal?: AbortSignal,
  ): Promise<AxiosResponse> {
    const headers: Record<string, string> = {};
    if (bmc.authMode === 'session' && path !== '/redfish/v1/SessionService/Sessions')
      headers['X-Auth-Token'] = await login(signal);
    try {
      const res = await http.request({
        method,
        url: path,
        data,
        headers,
        signal,
        auth:
          bmc.authMode === 'basic' && bmc.username
            ? { username: bmc.username, password: bmc.password ?? '' }
            : undefined,
      });
      if (res.status === 401)
        throw new BmcAuthError(`authentication failed for user ${bmc.username ?? '(none)'} at BMC ${base}`, {
          hint: 'check the BMC username and the password secret',
        });
      if (res.status === 403)
        throw new BmcPrivilegeError(`user ${bmc.username ?? '(none)'} may not ${method} ${path} at BMC ${base}`, {
          hint: 'the account needs the ConfigureComponents privilege (Operator or Administrator role)',
        });
      return res;
    } catch (err) {
      if (err instanceof BmcAuthError || err instanceof BmcPrivilegeError) throw err;
      const e = err as { code?: string; message?: string };
      // axios reports its own timeout as ECONNABORTED: say what happened.
      const reason =
        e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT'
          ? `timed out after ${bmc.requestTimeoutMs} ms`
          : (e.code ?? e.message ?? 'network error');
      throw new BmcUnreachableError(`BMC ${base} did not answer ${method} ${path}: ${reason}`, { cause: err });
    }
  }

  async function login(signal?: AbortSignal): Promise<string> {
    if (sessionToken) return sessionToken;
    const res = await send(
      'POST',
      '/redfish/v1/SessionService/Sessions',
      { UserName: bmc.username, Password: bmc.password },
      signal,
    );
    const token = res.headers['x-auth-token'];
    if (res.status >= 300 || typeof token !== 'string')
      throw new BmcProtocolError(`BMC ${base} refused to open a session (status ${res.status})`);
    sessionToken = token;
    const loc = res.headers['location'];
    sessionUrl = typeof loc === 'string' ? new URL(loc, base + '/').pathname : undefined;
    return token;
  }

  async function json<T>(path: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
    const res = await send('GET', path, undefined, signal);
    if (res.status !== 200) throw new BmcProtocolError(`BMC ${base} answered ${res.status} to GET ${path}`);
    const parsed = schema.safeParse(typeof res.data === 'string' ? safeJson(res.data) : res.data);
    if (!parsed.success)
      throw new BmcProtocolError(
        `BMC ${base} answered GET ${path} with JSON we cannot use: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    return parsed.data;
  }

  async function discover(signal?: AbortSignal): Promise<string> {
    if (systemPath) return systemPath;
    const members = (await json('/redfish/v1/Systems', CollectionSchema, signal)).Members.map((m) =>
      m['@odata.id'].replace(/\/+$/, ''),
    );
    if (bmc.systemId) {
      const want = members.find((m) => m.split('/').pop() === bmc.systemId);
      if (!want)
        throw new BmcProtocolError(
          `BMC ${base} has no system "${bmc.systemId}" (it has: ${members.map((m) => m.split('/').pop()).join(', ') || 'none'})`,
        );
      systemPath = want;
    } else if (members.length === 1) {
      systemPath = members[0]!;
    } else {
      throw new BmcProtocolError(`BMC ${base} manages ${members.length} systems; set systemId for host ${bmc.host}`, {
        hint: `choose one of: ${members.map((m) => m.split('/').pop()).join(', ')}`,
      });
    }
    return systemPath;
  }

  const fencer: Fencer = {
    method: 'redfish',
    target: `redfish ${who}`,
    async getPower(signal): Promise<PowerState> {
      const system = await json(await discover(signal), SystemSchema, signal);
      if (system.PowerState === 'Off') return 'off';
      // "PoweringOff" is not off yet; only a clean Off fences (S1).
      if (system.PowerState === 'On' || system.PowerState === 'PoweringOff' || system.PowerState === 'PoweringOn')
        return 'on';
      throw new PowerStateUnknownError(
        `BMC ${base} reports PowerState ${JSON.stringify(system.PowerState ?? null)} for host ${bmc.host}`,
      );
    },
    async setPower(action, signal) {
      const path = await discover(signal);
      const system = await json(path, SystemSchema, signal);
      const target = system.Actions?.['#ComputerSystem.Reset']?.target ?? `${path}/Actions/ComputerSystem.Reset`;
      const res = await send('POST', target, { ResetType: RESET_TYPE[action] }, signal);
      if (res.status >= 200 && res.status < 300) return;
      // Some vendors refuse ForceOff on a system that is already off; the loop re-reads the state.
      if (action === 'off' && (res.status === 400 || res.status === 409)) return;
      throw new BmcProtocolError(`BMC ${base} answered ${res.status} to ${RESET_TYPE[action]} for host ${bmc.host}`);
    },
    async close() {
      if (sessionUrl && sessionToken) {
        await http.delete(sessionUrl, { headers: { 'X-Auth-Token': sessionToken } }).catch(() => undefined);
      }
      sessionToken = undefined;
      sessionUrl = undefined;
    },
  };
  return fencer;
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
