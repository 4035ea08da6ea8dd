/** Right-hand side of every Message-ID we generate: `<scope.kind.hash@freezer-dr>`. */
export const MESSAGE_ID_DOMAIN = 'freezer-dr';

export const SUBJECT_PREFIX = '[freezer-dr]';

/** Timeouts per send. With the default 3 attempts, a dead endpoint costs at most ~35 s per channel. */
export const TIMEOUTS = {
  smtpConnectMs: 10_000,
  smtpGreetingMs: 10_000,
  smtpSocketMs: 30_000,
  webhookMs: 10_000,
} as const;

/** Keystone look-ups in flight at once when resolving members' emails. */
export const KEYSTONE_CONCURRENCY = 8;

/** Most instance rows drawn in the timeline chart; the rest are counted. */
export const CHART_MAX_INSTANCE_ROWS = 40;

/** Headers on every mail: RFC 3834 keeps auto-responders quiet; the others help filtering. */
export const HEADERS = {
  autoSubmitted: 'Auto-Submitted',
  incident: 'X-Freezer-DR-Incident',
  kind: 'X-Freezer-DR-Kind',
} as const;

/** Colours of the chart bars and status banners (also used by the text of the legend). */
export const COLOURS = {
  detect: '#6b7280',
  gate: '#a16207',
  fence: '#b45309',
  isolate: '#7c3aed',
  plan: '#2563eb',
  evacuate: '#475569',
  notify: '#0891b2',
  done: '#374151',
  resume: '#be185d',
  error: '#b91c1c',
  evacuated: '#15803d',
  failed: '#b91c1c',
  timeout: '#c2410c',
  skipped: '#9ca3af',
  pending: '#64748b',
  evacuating: '#0ea5e9',
  ok: '#15803d',
  warning: '#b45309',
  critical: '#b91c1c',
} as const;
