import { createHash } from 'node:crypto';

/**
 * Deterministic incident id for a host and the moment its failure episode began (S4): every
 * monitor pass, retried Lambda or duplicate trigger for the same episode computes the same id,
 * which is also the Step Functions execution name (≤ 80 chars of [A-Za-z0-9_-]).
 */
export function incidentIdFor(host: string, episodeStart: Date | string): string {
  const at = new Date(episodeStart)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const safe = host.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  const tag = safe === host ? '' : `-${createHash('sha256').update(host).digest('hex').slice(0, 6)}`;
  return `inc-${safe}${tag}-${at}`;
}
