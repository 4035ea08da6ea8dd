import { backoffDelay, sleep } from '../async/index.js';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type * as z from 'zod';
import { UserInputError } from '../errors.js';
import { getLogger } from '../log/index.js';
import {
  ApiServerError,
  ApiUnreachableError,
  AuthenticationError,
  BadRequestError,
  ComputeServiceInUseError,
  ConflictError,
  ForbiddenError,
  HttpError,
  MicroversionUnsupportedError,
  NotFoundError,
  UnexpectedResponseError,
} from './errors.js';

export interface HttpOptions {
  timeoutMs: number;
  caBundle?: string;
  /** Client TLS (clouds.yaml `cert` / `key`, OS_CERT / OS_KEY): presented on every https connection. */
  clientCert?: string;
  clientKey?: string;
  insecure?: boolean;
  /** Attempts for idempotent requests on 5xx / network errors. Defaults to 3. */
  attempts?: number;
  /** Base backoff in ms (doubled per attempt, with jitter). Defaults to 250. */
  backoffMs?: number;
}

export interface HttpRequest<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Validates the JSON answer; a mismatch is an UnexpectedResponseError. Omit for empty bodies. */
  schema?: z.ZodType<T>;
  /**
   * Only idempotent requests are retried. POST …/action never is: evacuation decides itself
   * whether to repeat, after re-reading the instance (S5).
   */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export interface HttpResponse<T> {
  status: number;
  data: T;
  headers: Record<string, string>;
  /** The server's clock (Date header): staleness is judged against it, never our own clock. */
  serverDate?: Date;
}

export type HttpClient = <T>(req: HttpRequest<T>) => Promise<HttpResponse<T>>;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** A network failure with the code our messages read (timeouts, aborts, TLS errors keep their own). */
class TransportError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * One exchange over node:http / node:https: no redirects, the whole body as text. node:https is
 * loaded on the first https URL only, so a process that never speaks TLS never pays for it.
 */
function createTransport(opts: HttpOptions) {
  const plainAgent = new HttpAgent({ keepAlive: true });
  // Read now: a missing file is a clear error at start, not a network error on the first request.
  const ca = readPem(opts.caBundle, 'CA bundle');
  const cert = readPem(opts.clientCert, 'client certificate');
  const key = readPem(opts.clientKey, 'client key');
  let tls: Promise<{ agent: HttpsAgent; request: typeof httpRequest }> | undefined;
  const secure = () =>
    (tls ??= import('node:https').then((https) => ({
      agent: new https.Agent({
        ca,
        cert,
        // A PEM holding both certificate and key serves as both, as openstacksdk's `cert` does.
        key: key ?? (cert && /PRIVATE KEY-----/.test(cert.toString()) ? cert : undefined),
        rejectUnauthorized: !opts.insecure,
        keepAlive: true,
      }),
      request: https.request,
    })));
  return async (
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    signal?: AbortSignal,
  ) => {
    const { agent, request } = url.protocol === 'https:' ? await secure() : { agent: plainAgent, request: httpRequest };
    return new Promise<RawResponse>((resolve, reject) => {
      if (signal?.aborted) return reject(new TransportError('ERR_CANCELED', 'cancelled'));
      const options: RequestOptions = { method, agent, headers };
      const req = request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: flatten(res.headers),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      const onAbort = () => req.destroy(new TransportError('ERR_CANCELED', 'cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      // The whole exchange, not just an idle socket, must fit in the timeout (a slow drip counts too).
      const timer = setTimeout(
        () => req.destroy(new TransportError('ETIMEDOUT', `timeout of ${opts.timeoutMs} ms`)),
        opts.timeoutMs,
      );
      req.on('close', () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      });
      req.on('error', reject);
      req.end(body);
    });
  };
}

function readPem(path: string | undefined, what: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UserInputError(`the ${what} ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
      cause: err,
    });
  }
}

function flatten(h: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(h)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : String(v)]),
  );
}

/**
 * The one HTTP client of lib/openstack: TLS settings, timeouts, bounded retries with backoff,
 * typed errors, schema-checked JSON. Node's own http/https, no library: this sits on every
 * Lambda's cold path.
 */
export function createHttpClient(opts: HttpOptions): HttpClient {
  if (opts.insecure)
    getLogger().warn('TLS verification is OFF for the cloud API (insecure: true); use a CA bundle instead', {
      rule: 'S7',
    });
  const send = createTransport(opts);
  const attempts = opts.attempts ?? 3;
  const backoffMs = opts.backoffMs ?? 250;

  return async function request<T>(req: HttpRequest<T>): Promise<HttpResponse<T>> {
    const label = `${req.method} ${stripQuery(req.url)}`;
    const tries = (req.idempotent ?? (req.method === 'GET' || req.method === 'PUT')) ? attempts : 1;
    const url = new URL(req.url);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.append(k, String(v));
    const body = req.body !== undefined ? JSON.stringify(req.body) : undefined;
    const headers = {
      Accept: 'application/json',
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...req.headers,
    };
    let lastError: unknown;
    for (let attempt = 1; attempt <= tries; attempt++) {
      if (attempt > 1)
        await sleep(backoffDelay(attempt - 1, { baseMs: backoffMs, factor: 2, jitter: 0.5 }), req.signal);
      let res: RawResponse;
      const sentAt = Date.now();
      try {
        res = await send(req.method, url, headers, body, req.signal);
        traceExchange(label, res.status, sentAt);
      } catch (err) {
        lastError = new ApiUnreachableError(`${label} failed: ${networkReason(err)}`, { cause: err });
        if (req.signal?.aborted) throw lastError;
        continue;
      }
      if (res.status >= 500) {
        lastError = new ApiServerError(
          res.status,
          `${label} failed with status ${res.status}${apiMessage(res.text, res.headers)}`,
        );
        continue;
      }
      if (res.status >= 400) throw toHttpError(res.status, label, apiMessage(res.text, res.headers));
      const dateHeader = res.headers['date'];
      const serverDate = dateHeader ? new Date(dateHeader) : undefined;
      return {
        status: res.status,
        headers: res.headers,
        serverDate: serverDate && !Number.isNaN(serverDate.getTime()) ? serverDate : undefined,
        data: parseBody(label, res.text, res.headers, req.schema),
      };
    }
    throw lastError;
  };
}

/**
 * At debug level (FREEZER_DR_LOG_LEVEL=debug) every exchange is one line, to see where a recovery
 * spends its time against a real cloud. Method and path only: never the query, headers or body.
 */
function traceExchange(label: string, status: number, sentAt: number): void {
  getLogger().debug('http exchange', {
    request: label,
    status,
    sentAt: new Date(sentAt).toISOString(),
    ms: Date.now() - sentAt,
  });
}

function parseBody<T>(label: string, text: string, headers: Record<string, string>, schema?: z.ZodType<T>): T {
  if (!schema) return undefined as T;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const kind =
      (headers['content-type'] ?? '').includes('html') || /^\s*</.test(text)
        ? 'an HTML page'
        : text.length === 0
          ? 'an empty body'
          : 'invalid or truncated JSON';
    throw new UnexpectedResponseError(`${label} answered ${kind} where JSON was expected`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? first.path.join('.') : '(body)';
    throw new UnexpectedResponseError(`${label} answered JSON we cannot use: ${where}: ${first?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function toHttpError(status: number, label: string, detail: string): HttpError {
  const message = `${label} failed with status ${status}${detail}`;
  if (status === 401) return new AuthenticationError(status, message);
  if (status === 403) return new ForbiddenError(status, message);
  if (status === 404) return new NotFoundError(status, message);
  if (status === 406) return new MicroversionUnsupportedError(status, message);
  if (status === 409) return new ConflictError(status, message);
  if (status === 400 && /Compute service of .* is still in use/i.test(detail))
    return new ComputeServiceInUseError(status, message);
  if (status === 400) return new BadRequestError(status, message);
  return new HttpError(status, message);
}

/** Nova wraps errors as {"badRequest": {"message"}}; Keystone as {"error": {"message"}}; Placement as {"errors": [...]}. */
function apiMessage(text: string, headers: Record<string, string>): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    // Placement (and the API-WG errors guideline): {"errors": [{"status", "title", "detail"}]}.
    const first = Array.isArray(body.errors) ? (body.errors[0] as { detail?: unknown } | undefined) : undefined;
    if (typeof first?.detail === 'string') return `: ${first.detail.trim().replace(/\s+/g, ' ')}`;
    for (const v of Object.values(body)) {
      if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string')
        return `: ${(v as { message: string }).message}`;
    }
  } catch {
    if ((headers['content-type'] ?? '').includes('html') || /^\s*</.test(text)) return ' (an HTML error page)';
  }
  return '';
}

function networkReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' || /timeout/i.test(e.message ?? '')) return 'timed out';
  if (e.code === 'ERR_CANCELED') return 'cancelled';
  if (e.code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(e.code)) return `TLS verification failed (${e.code})`;
  return e.code ?? e.message ?? 'network error';
}

function stripQuery(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : url.slice(0, i);
}
