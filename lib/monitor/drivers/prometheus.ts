import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { PrometheusSignalConfig } from '../../config/index.js';
import { resolveSecret } from '../../config/index.js';
import { registerSecret } from '../../log/index.js';
import {
  PrometheusBadResponseError,
  PrometheusBadValueError,
  PrometheusNoSeriesError,
  PrometheusQueryError,
  SecondSignalUnreachableError,
} from '../errors.js';
import type { HostReachability } from '../schemas.js';
import { observedError, type SecondSignalDriver } from './second-signal.js';

/** Bigger answers are not an `up` vector for a cloud's computes: refuse rather than buffer them. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

interface RawAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** GET with a timeout and an optional private CA; the token never reaches an error message (S6). */
function get(url: URL, opts: { timeoutMs: number; ca?: string; token?: string; signal?: AbortSignal }) {
  return new Promise<RawAnswer>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'GET',
        timeout: opts.timeoutMs,
        signal: opts.signal,
        headers: { Accept: 'application/json', ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}) },
        ...(opts.ca ? { ca: opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

interface Series {
  labels: Record<string, string>;
  value: number;
}

/** The API's JSON envelope, checked by hand so each way of being wrong gets its own typed error. */
function parseAnswer(raw: RawAnswer, where: string, query: string): Series[] {
  let body: unknown;
  try {
    body = JSON.parse(raw.body);
  } catch {
    const kind = raw.contentType.split(';')[0] || 'no content type';
    throw new PrometheusBadResponseError(
      `${where} answered HTTP ${raw.status} (${kind}) that is not the Prometheus API's JSON — a login page or a proxy in the way?`,
    );
  }
  const env = body as { status?: unknown; data?: { resultType?: unknown; result?: unknown }; error?: unknown };
  if (env?.status === 'error')
    throw new PrometheusQueryError(
      `${where} refused the query \`${query}\`: ${String(env.error ?? 'no reason given')}`,
    );
  if (raw.status < 200 || raw.status > 299 || env?.status !== 'success' || !env.data)
    throw new PrometheusBadResponseError(`${where} answered HTTP ${raw.status} without a Prometheus success envelope`);
  if (env.data.resultType !== 'vector' || !Array.isArray(env.data.result))
    throw new PrometheusBadValueError(
      `the query \`${query}\` returned a ${String(env.data.resultType)}, not an instant vector (one sample per host)`,
    );
  return env.data.result.map((s: unknown, i: number) => {
    const item = s as { metric?: Record<string, string>; value?: unknown };
    const text = Array.isArray(item?.value) ? item.value[1] : undefined;
    const value = typeof text === 'string' && text.trim() !== '' ? Number(text) : Number.NaN;
    if (!Number.isFinite(value))
      throw new PrometheusBadValueError(
        `series ${i} of \`${query}\` (${JSON.stringify(item?.metric ?? {})}) has the value ${JSON.stringify(text)}, not a number`,
      );
    return { labels: item.metric ?? {}, value };
  });
}

/** node_exporter's `instance="compute-1:9100"` or `compute-1.mgmt.example` is compute-1. */
export function labelMatchesHost(label: string, host: string): boolean {
  const bare = label.replace(/:\d+$/, '');
  return bare === host || bare.split('.')[0] === host;
}

/** Judge every Nova host from the series; a host without a series is `unknown`, never `unreachable`. */
export function judgeSeries(
  series: Series[],
  hosts: readonly string[],
  cfg: Pick<PrometheusSignalConfig, 'hostLabel' | 'query'>,
): Record<string, HostReachability> {
  const labelled = series.filter((s) => typeof s.labels[cfg.hostLabel] === 'string');
  if (series.length === 0) throw new PrometheusNoSeriesError(`the query \`${cfg.query}\` returned no series`);
  if (labelled.length === 0)
    throw new PrometheusNoSeriesError(
      `none of the ${series.length} series of \`${cfg.query}\` carries the label "${cfg.hostLabel}" (monitor.secondSignal.hostLabel)`,
    );
  const out: Record<string, HostReachability> = {};
  for (const host of hosts) {
    const mine = labelled.filter((s) => labelMatchesHost(s.labels[cfg.hostLabel]!, host));
    if (mine.length === 0) {
      out[host] = { reachability: 'unknown', detail: `no series with ${cfg.hostLabel}=${host} in \`${cfg.query}\`` };
      continue;
    }
    const alive = mine.find((s) => s.value > 0);
    const shown = (s: Series) => `${cfg.query}=${s.value} (${cfg.hostLabel} ${s.labels[cfg.hostLabel]})`;
    out[host] = alive
      ? { reachability: 'alive', detail: shown(alive) }
      : { reachability: 'unreachable', detail: mine.map(shown).join(', ') };
  }
  return out;
}

/** `prometheus`: one PromQL instant query per pass over GET /api/v1/query. */
export const prometheusSignal: SecondSignalDriver<PrometheusSignalConfig> = async ({ config, hosts, signal, env }) => {
  const source = `prometheus ${config.url}`;
  try {
    const url = new URL('api/v1/query', config.url.endsWith('/') ? config.url : `${config.url}/`);
    url.searchParams.set('query', config.query);
    const token = config.bearerToken ? await resolveSecret(config.bearerToken, env) : undefined;
    registerSecret(token);
    const where = `Prometheus at ${url.origin}`;
    let raw: RawAnswer;
    try {
      raw = await get(url, {
        timeoutMs: config.requestTimeoutSeconds * 1000,
        ca: config.caBundle ? readFileSync(config.caBundle, 'utf8') : undefined,
        token,
        signal,
      });
    } catch (err) {
      throw new SecondSignalUnreachableError(`${where} did not answer: ${(err as Error).message}`, { cause: err });
    }
    return { ok: true, source, hosts: judgeSeries(parseAnswer(raw, where, config.query), hosts, config) };
  } catch (err) {
    return observedError(source, err);
  }
};
