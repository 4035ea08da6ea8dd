import { writeFile } from 'node:fs/promises';
import { parse } from '../args.js';
import { requireConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { incidentSummary, table, timelineLine } from '../format.js';
import { IncidentNotFoundError } from '../../incidents/errors.js';

export const INCIDENTS_HELP = `Usage: freezer-dr incidents [ID] [--open] [--json] [--html FILE] [--config FILE]

Without ID: the incidents in the store, newest first.
With ID: one incident — host, fence, isolation, every instance (old host, new
host, outcome, time), notifications, and the timeline.

  --open        only incidents still open
  --json        machine-readable output
  --html FILE   (with ID) write the admin report page, timeline chart included
  --config FILE config file (default ./freezer-dr.yaml)`;

export async function incidentsCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parse('incidents', argv, { open: { type: 'boolean' }, json: { type: 'boolean' }, html: { type: 'string' }, config: { type: 'string' } }, true);
  if (values.help) return out(INCIDENTS_HELP), EXIT.ok;
  const config = await requireConfig(values.config);
  const { createStore } = await import('../../incidents/registry.js');
  const store = await createStore(config.store);
  try {
    const id = positionals[0];
    if (!id) {
      const list = await store.listIncidents({ openOnly: values.open ?? false, limit: 100 });
      if (values.json) out(JSON.stringify(list, null, 2));
      else out(list.length ? table(['id', 'host', 'status', 'created', 'closed', 'requested by'], list.map((i) => [i.id, i.host, i.status, i.createdAt, i.closedAt, i.requestedBy])) : 'no incidents');
      return EXIT.ok;
    }
    const incident = await store.getIncident(id);
    if (!incident) throw new IncidentNotFoundError(id);
    const instances = await store.listInstances(id);
    const events = await store.listEvents(id);
    if (values.html) {
      const { renderIncidentHtml } = await import('../../notify/index.js');
      await writeFile(values.html, renderIncidentHtml({ incident, instances, events }, { timeZone: config.notification.timeZone }));
      out(`wrote ${values.html}`);
      return EXIT.ok;
    }
    if (values.json) out(JSON.stringify({ incident, instances, events }, null, 2));
    else {
      out(incidentSummary(incident, instances));
      const start = new Date(incident.createdAt).getTime();
      out('\nTimeline');
      for (const e of events) out(timelineLine(start, e));
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
