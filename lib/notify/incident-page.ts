import { incidentPageHtml } from './messages.js';
import type { IncidentReportInput } from './report.js';
import { templateRenderer } from './templates.js';

/**
 * The admins' HTML page for an incident (the same page the summary mail carries), from what the
 * store holds. Used by `freezer-dr incidents ID --html`.
 */
export function renderIncidentHtml(
  report: IncidentReportInput,
  opts: { timeZone?: string; templatesDir?: string; now?: Date } = {},
): string {
  const renderer = templateRenderer({ overrideDir: opts.templatesDir ?? process.env.FREEZER_DR_TEMPLATES_DIR });
  return incidentPageHtml(renderer, report, opts);
}
