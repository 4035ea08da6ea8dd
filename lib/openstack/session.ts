import type * as z from 'zod';
import type { ResolvedCloud } from '../config/index.js';
import { registerSecret } from '../log/index.js';
import { AuthenticationError, EndpointNotFoundError } from './errors.js';
import { createHttpClient, type HttpClient, type HttpResponse } from './http.js';
import { issueToken, type Token } from './keystone/tokens.js';

export type ServiceType = 'compute' | 'identity' | 'image' | 'placement';

export interface ServiceRequest<T> {
  service: ServiceType;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the endpoint, e.g. "/os-services". */
  path: string;
  /** Compute or Placement microversion, set deliberately per call (DESIGN §6). Never "latest". */
  microversion?: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  schema?: z.ZodType<T>;
  idempotent?: boolean;
  signal?: AbortSignal;
}

export interface OpenStackSession {
  request<T>(req: ServiceRequest<T>): Promise<HttpResponse<T>>;
  endpoint(service: ServiceType): Promise<string>;
  /** Forget the cached token (tests; a detected credential rotation). */
  invalidate(): void;
}

/** Refresh this long before the token expires, so a call never starts with a dying token. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * A Keystone-authenticated session: token + catalog cached until shortly before expiry,
 * one re-authentication on 401, endpoints chosen by service type / interface / region.
 */
// eslint-disable-next-line max-lines-per-function -- a factory: token, catalog cache and request share one closure; each inner function is short
export function createSession(
  cloud: ResolvedCloud,
  opts: { http?: HttpClient; now?: () => number } = {},
): OpenStackSession {
  const http =
    opts.http ??
    createHttpClient({
      timeoutMs: cloud.requestTimeoutMs,
      caBundle: cloud.caBundle,
      clientCert: cloud.clientCert,
      clientKey: cloud.clientKey,
      insecure: cloud.insecure,
    });
  const now = opts.now ?? Date.now;
  let token: Token | undefined;
  let issuedAt = 0;
  let pending: Promise<Token> | undefined;

  async function currentToken(signal?: AbortSignal, force = false): Promise<Token> {
    if (!force && token) {
      const remaining = token.expiresAt.getTime() - now();
      const lifetime = token.expiresAt.getTime() - issuedAt;
      // Short-lived tokens (tests, strict clouds) refresh at half-life instead of 5 minutes before.
      if (remaining > Math.min(REFRESH_MARGIN_MS, lifetime / 2)) return token;
    }
    pending ??= issueToken(http, cloud, signal)
      .then((t) => {
        registerSecret(t.value);
        token = t;
        issuedAt = now();
        return t;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  function pickEndpoint(t: Token, service: ServiceType): string {
    if (service === 'identity') return cloud.authUrl.replace(/\/+$/, '');
    const entry = t.catalog.find((c) => c.type === service || (service === 'compute' && c.type === 'compute_legacy'));
    const candidates = (entry?.endpoints ?? []).filter((e) => e.interface === cloud.interface);
    const match = cloud.regionName
      ? candidates.find((e) => e.region_id === cloud.regionName || e.region === cloud.regionName)
      : candidates[0];
    if (!match) {
      throw new EndpointNotFoundError(
        `no ${cloud.interface} endpoint for service type "${service}"${cloud.regionName ? ` in region ${cloud.regionName}` : ''} in the Keystone catalog`,
      );
    }
    return match.url.replace(/\/+$/, '');
  }

  async function request<T>(req: ServiceRequest<T>): Promise<HttpResponse<T>> {
    for (let attempt = 0; ; attempt++) {
      const t = await currentToken(req.signal, attempt > 0);
      const base = pickEndpoint(t, req.service);
      const headers: Record<string, string> = { 'X-Auth-Token': t.value };
      if (req.microversion) {
        headers['OpenStack-API-Version'] = `${req.service} ${req.microversion}`;
        if (req.service === 'compute') headers['X-OpenStack-Nova-API-Version'] = req.microversion;
      }
      try {
        return await http({
          method: req.method,
          url: base + req.path,
          headers,
          query: req.query,
          body: req.body,
          schema: req.schema,
          idempotent: req.idempotent,
          signal: req.signal,
        });
      } catch (err) {
        // A 401 on a cached token usually means it was revoked or expired early: re-auth once.
        if (err instanceof AuthenticationError && attempt === 0) {
          token = undefined;
          continue;
        }
        throw err;
      }
    }
  }

  return {
    request,
    endpoint: async (service) => pickEndpoint(await currentToken(), service),
    invalidate: () => {
      token = undefined;
    },
  };
}
