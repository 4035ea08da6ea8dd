import { Agent } from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import * as z from 'zod';
import { readConfiguredFile } from '../config/index.js';
import {
  BmcAuthError,
  BmcPrivilegeError,
  BmcProtocolError,
  BmcTlsError,
  BmcUnreachableError,
  PowerActionRefusedError,
  PowerStateUnknownError,
} from './errors.js';
import type { Fencer, FencerFactory, PowerAction, PowerState, ResolvedRedfishBmc } from './fencer.js';

const CollectionSchema = z.object({ Members: z.array(z.object({ '@odata.id': z.string() })) });
const SystemSchema = z.object({
  Id: z.string().optional(),
  PowerState: z.string().nullish(),
  Actions: z
    .object({
      '#ComputerSystem.Reset': z
        .object({
          target: z.string(),
          'ResetType@Redfish.AllowableValues': z.array(z.string()).optional(),
        })
        .loose()
        .optional(),
    })
    .loose()
    .optional(),
});
/** DSP0266 §9.6 error response: a message and the BMC's @Message.ExtendedInfo entries. */
const ErrorBodySchema = z.object({
  error: z
    .object({
      code: z.string().optional(),
      message: z.string().optional(),
      '@Message.ExtendedInfo': z
        .array(
          z
            .object({
              MessageId: z.string().optional(),
              Message: z.string().optional(),
              Resolution: z.string().optional(),
            })
            .loose(),
        )
        .optional(),
    })
    .loose(),
});

const RESET_TYPE: Record<PowerAction, string> = { off: 'ForceOff', on: 'On' };
const SESSIONS = '/redfish/v1/SessionService/Sessions';
const MAX_REDIRECTS = 3;
const MAX_BMC_TEXT = 400;

/** Node's codes for a certificate or TLS handshake we refuse: not a network problem, never retried. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

function isTlsFailure(code: string | undefined): boolean {
  return code !== undefined && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'));
}

/**
 * The BMC's own words from a Redfish error body (DSP0266 §9.6): each ExtendedInfo entry as
 * "MessageId: Message (Resolution)", else the top-level message. What an operator needs to act,
 * where a bare status code tells nothing. Never the password, should a BMC echo it back (S6).
 */
export function redfishErrorText(data: unknown, secret?: string): string | undefined {
  const parsed = ErrorBodySchema.safeParse(typeof data === 'string' ? safeJson(data) : data);
  if (!parsed.success) return undefined;
  const { error } = parsed.data;
  const infos = (error['@Message.ExtendedInfo'] ?? [])
    .map(
      (i) =>
        [i.MessageId, i.Message].filter(Boolean).join(': ') +
        (i.Resolution && i.Resolution !== 'None' ? ` (${i.Resolution})` : ''),
    )
    .filter((t) => t.length > 0);
  let text = infos.length > 0 ? infos.join('; ') : [error.code, error.message].filter(Boolean).join(': ');
  if (!text) return undefined;
  if (secret) text = text.split(secret).join('[redacted]');
  return text.length > MAX_BMC_TEXT ? `${text.slice(0, MAX_BMC_TEXT)}…` : text;
}

/**
 * A Redfish BMC (DMTF DSP0266): discover the ComputerSystem, read PowerState, POST
 * ComputerSystem.Reset. Basic or session auth (re-login once on a 401), TLS with a private CA,
 * redirects followed within the configured origin only. Only a clean "Off" is off and only a
 * clean "On" is on (S1); PoweringOn/PoweringOff are neither.
 */
// eslint-disable-next-line max-lines-per-function -- a factory: discovery, session auth and the Fencer literal share one closure of connection state
export const createRedfishFencer: FencerFactory<ResolvedRedfishBmc> = (bmc) => {
  if (!bmc.address) throw new BmcProtocolError(`redfish BMC of ${bmc.host} has no address`);
  const base = bmc.address.replace(/\/+$/, '');
  const origin = safeOrigin(base);
  const who = `${bmc.username ?? '(no user)'}@${base}`;
  const http: AxiosInstance = axios.create({
    baseURL: base,
    timeout: bmc.requestTimeoutMs,
    httpsAgent: new Agent({
      ca: bmc.caBundle ? readConfiguredFile(bmc.caBundle, `caBundle (BMC of ${bmc.host})`) : undefined,
      rejectUnauthorized: !bmc.insecure,
    }),
    validateStatus: () => true,
    // Redirects are followed by hand, so that credentials never leave the configured origin.
    maxRedirects: 0,
    headers: { Accept: 'application/json', 'OData-Version': '4.0' },
  });
  let sessionToken: string | undefined;
  let sessionUrl: string | undefined;
  let systemPath: string | undefined;

  const bmcSays = (res: AxiosResponse): string => {
    const text = redfishErrorText(res.data, bmc.password);
    return text ? `: ${text}` : '';
  };

  /** One HTTP request, redirects within the origin followed; network and TLS failures typed. */
  // eslint-disable-next-line max-lines-per-function -- one request: redirect following, TLS and network failures typed in one place
  async function raw(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    data: unknown,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<AxiosResponse> {
    let url = path;
    let verb = method;
    let body = data;
    for (let hop = 0; ; hop++) {
      let res: AxiosResponse;
      try {
        res = await http.request({
          method: verb,
          url,
          data: body,
          headers,
          signal,
          auth:
            bmc.authMode === 'basic' && bmc.username
              ? { username: bmc.username, password: bmc.password ?? '' }
              : undefined,
        });
      } catch (err) {
        const e = err as { code?: string; message?: string };
        if (isTlsFailure(e.code)) {
          throw new BmcTlsError(`TLS to BMC ${base} failed (${e.code}): its certificate is not trusted here`, {
            cause: err,
            hint: bmc.caBundle
              ? `check that ${bmc.caBundle} holds the CA that signed the BMC's certificate and that the certificate names ${origin ?? base}`
              : "set caBundle to a PEM file with the CA that signed the BMC's certificate (insecure: true turns verification off, S7)",
          });
        }
        // axios reports its own timeout as ECONNABORTED: say what happened.
        const reason =
          e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT'
            ? `timed out after ${bmc.requestTimeoutMs} ms`
            : (e.code ?? e.message ?? 'network error');
        throw new BmcUnreachableError(`BMC ${base} did not answer ${verb} ${url}: ${reason}`, { cause: err });
      }
      if (![301, 302, 303, 307, 308].includes(res.status)) return res;
      const location = res.headers['location'];
      if (typeof location !== 'string' || hop >= MAX_REDIRECTS) {
        throw new BmcProtocolError(
          `BMC ${base} answered ${verb} ${url} with redirect ${res.status} and no usable Location`,
        );
      }
      const next = new URL(location, new URL(url, base + '/'));
      if (next.origin !== origin) {
        throw new BmcProtocolError(
          `BMC ${base} redirects ${verb} ${url} to another origin (${next.origin}); credentials are not sent there`,
          { hint: `set this BMC's address to ${next.origin} if that is the BMC` },
        );
      }
      url = next.pathname + next.search;
      // 303 (and 301/302 for anything but GET, as browsers do) continue as a GET without a body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && verb !== 'GET')) {
        verb = 'GET';
        body = undefined;
      }
    }
  }

  async function send(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    data?: unknown,
    signal?: AbortSignal,
  ): Promise<AxiosResponse> {
    const session = bmc.authMode === 'session';
    let res: AxiosResponse;
    if (session) {
      const token = await login(signal);
      res = await raw(method, path, data, { 'X-Auth-Token': token }, signal);
      if (res.status === 401 && sessionToken === token) {
        // Sessions expire (idle timeout, BMC reboot, someone cleared them): log in again, once.
        sessionToken = undefined;
        sessionUrl = undefined;
        res = await raw(method, path, data, { 'X-Auth-Token': await login(signal) }, signal);
      }
    } else {
      res = await raw(method, path, data, {}, signal);
    }
    if (res.status === 401)
      throw new BmcAuthError(
        `authentication failed for user ${bmc.username ?? '(none)'} at BMC ${base}${bmcSays(res)}`,
        { hint: 'check the BMC username and the password secret (repeated failures may lock the account out)' },
      );
    if (res.status === 403)
      throw new BmcPrivilegeError(
        `user ${bmc.username ?? '(none)'} may not ${method} ${path} at BMC ${base}${bmcSays(res)}`,
        {
          hint: 'the account needs the ConfigureComponents privilege (Operator or Administrator role)',
        },
      );
    return res;
  }

  async function login(signal?: AbortSignal): Promise<string> {
    if (sessionToken) return sessionToken;
    const res = await raw('POST', SESSIONS, { UserName: bmc.username, Password: bmc.password }, {}, signal);
    if (res.status === 401 || res.status === 403)
      throw new BmcAuthError(
        `authentication failed for user ${bmc.username ?? '(none)'} at BMC ${base}${bmcSays(res)}`,
        { hint: 'check the BMC username and the password secret (repeated failures may lock the account out)' },
      );
    const token = res.headers['x-auth-token'];
    if (res.status >= 300 || typeof token !== 'string')
      throw new BmcProtocolError(`BMC ${base} refused to open a session (status ${res.status})${bmcSays(res)}`);
    sessionToken = token;
    const loc = res.headers['location'];
    sessionUrl = typeof loc === 'string' ? new URL(loc, base + '/').pathname : undefined;
    return token;
  }

  async function json<T>(path: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
    const res = await send('GET', path, undefined, signal);
    if (res.status !== 200)
      throw new BmcProtocolError(`BMC ${base} answered ${res.status} to GET ${path}${bmcSays(res)}`);
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

  function powerOf(state: string | null | undefined): PowerState {
    if (state === 'Off') return 'off';
    if (state === 'On') return 'on';
    // PoweringOff is not off yet and PoweringOn is not on yet: a fence confirmed on
    // PoweringOff could leave a host running, a power-on confirmed on PoweringOn may never
    // finish booting (S1). The fence loop reads again.
    const transitional = state === 'PoweringOff' || state === 'PoweringOn';
    throw new PowerStateUnknownError(
      `BMC ${base} reports PowerState ${JSON.stringify(state ?? null)} for host ${bmc.host}${transitional ? ' (in transition: neither on nor off)' : ''}`,
    );
  }

  const fencer: Fencer = {
    method: 'redfish',
    target: `redfish ${who}`,
    async getPower(signal): Promise<PowerState> {
      const system = await json(await discover(signal), SystemSchema, signal);
      return powerOf(system.PowerState);
    },
    async setPower(action, signal) {
      const path = await discover(signal);
      const system = await json(path, SystemSchema, signal);
      const reset = system.Actions?.['#ComputerSystem.Reset'];
      const type = RESET_TYPE[action];
      const allowed = reset?.['ResetType@Redfish.AllowableValues'];
      if (allowed && !allowed.includes(type)) {
        throw new BmcProtocolError(
          `BMC ${base} does not offer ResetType ${type} for host ${bmc.host} (it offers: ${allowed.join(', ') || 'none'})`,
          {
            hint: 'freezer-dr fences with ForceOff only (never a graceful shutdown or a cycle); see the README vendor notes',
          },
        );
      }
      const target = reset?.target ?? `${path}/Actions/ComputerSystem.Reset`;
      const res = await send('POST', target, { ResetType: type }, signal);
      if (res.status >= 200 && res.status < 300) return;
      if (action === 'off' && (res.status === 400 || res.status === 409)) {
        // Several vendors refuse ForceOff on a system that is already off (iDRAC, iLO). Tell
        // that apart from a real refusal by reading the state at once: Off (or on its way
        // there) means the loop confirms it next; anything else fails now with the BMC's own
        // message instead of after the whole power timeout.
        const now = (await json(path, SystemSchema, signal)).PowerState;
        if (now === 'Off' || now === 'PoweringOff') return;
        throw new PowerActionRefusedError(
          `BMC ${base} refused ${type} for host ${bmc.host} with ${res.status} while it reads ${JSON.stringify(now ?? null)}${bmcSays(res)}`,
          { hint: 'the host is NOT fenced; act on the BMC message above, or power the host off by hand' },
        );
      }
      throw new BmcProtocolError(`BMC ${base} answered ${res.status} to ${type} for host ${bmc.host}${bmcSays(res)}`);
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

function safeOrigin(base: string): string | undefined {
  try {
    return new URL(base).origin;
  } catch {
    return undefined;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
