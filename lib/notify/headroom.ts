import type { Incident } from '../incidents/index.js';

/** The headroom section of the admin summary (lib/capacity measured it when the incident closed). */
export interface HeadroomView {
  /** One sentence for the summary. */
  line: string;
  /** Free / usable per resource class, e.g. "VCPU 40 of 256 free (15.6%)". */
  classes: string[];
  /** The worst case: could the loss of one more host be absorbed? */
  worstCase: string | null;
}

const UNITS: Record<string, (n: number) => string> = {
  VCPU: (n) => `${Math.floor(n)} vCPU`,
  MEMORY_MB: (n) => `${Math.floor(n / 1024)} GiB RAM`,
  DISK_GB: (n) => `${Math.floor(n)} GB disk`,
};

function pct(free: number, capacity: number): string {
  return capacity > 0 ? `${((free / capacity) * 100).toFixed(0)}%` : '-';
}

/** null when the incident carries no measurement (capacity.headroomInSummary off, or an older incident). */
export function headroomView(incident: Incident): HeadroomView | null {
  const h = incident.headroom;
  if (!h) return null;
  if (h.error) return { line: `Headroom after the recovery: not measured (${h.error}).`, classes: [], worstCase: null };
  const classes = Object.keys(h.capacity)
    .filter((rc) => UNITS[rc])
    .map(
      (rc) =>
        `${UNITS[rc]!(h.free[rc] ?? 0)} free of ${UNITS[rc]!(h.capacity[rc] ?? 0)} (${pct(h.free[rc] ?? 0, h.capacity[rc] ?? 0)})`,
    );
  const worstCase = h.worstCase
    ? h.worstCase.fits
      ? `The loss of one more host could still be absorbed (worst case ${h.worstCase.host}${h.worstCase.headroomPercent !== null ? `, ${h.worstCase.headroomPercent}% left after it` : ''}).`
      : `The loss of one more host could NOT be absorbed: ${h.worstCase.host}'s instances would not all find room.`
    : null;
  return {
    line: `Headroom after the recovery, on the ${h.hosts} host(s) that take evacuated instances: ${classes.join(', ') || 'none'}.`,
    classes,
    worstCase,
  };
}
