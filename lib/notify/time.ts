/** Dates and durations as people read them in a message, in the configured time zone. */

const formatters = new Map<string, Intl.DateTimeFormat>();
const zoneNames = new Map<string, (d: Date) => string>();

/**
 * The short zone name people know: "CET" (en-GB knows it), "EST" (en-US knows it), else "GMT+5:30".
 */
function zoneName(zone: string): (d: Date) => string {
  let f = zoneNames.get(zone);
  if (!f) {
    const fmts = ['en-GB', 'en-US'].map((l) => new Intl.DateTimeFormat(l, { timeZone: zone, timeZoneName: 'short' }));
    f = (d: Date) => {
      const names = fmts.map((x) => x.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? zone);
      return names.find((n) => !/^GMT[+-]/.test(n)) ?? names[0]!;
    };
    zoneNames.set(zone, f);
  }
  return f;
}

/** The zone if the runtime knows it, else UTC (a typo in the config must not cost a notification). */
export function safeTimeZone(zone: string | undefined): string {
  if (!zone) return 'UTC';
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** "2025-03-04 15:05:09 CET"; "—" for a missing or unreadable date. */
export function formatInstant(value: string | Date | null | undefined, zone: string): string {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const p = Object.fromEntries(
    formatter(zone)
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${zoneName(zone)(d)}`;
}

/** "15:05:09" (same zone), for timeline rows where the date is in the heading. */
export function formatClock(value: string | Date, zone: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const p = Object.fromEntries(
    formatter(zone)
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** "850 ms", "4.2 s", "1 min 05 s", "2 h 03 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function between(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isNaN(a) || Number.isNaN(b) ? null : b - a;
}

/** Axis labels: "+45s", "+1m29s", "+2h03m". */
export function formatShortDuration(ms: number): string {
  const s = Math.round(Math.max(0, ms) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
