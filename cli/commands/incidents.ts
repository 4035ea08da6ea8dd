import { writeFile } from 'node:fs/promises';
import { parse } from '../args.js';
import { requireConfig } from '../context.js';
import { UserInputError } from '../../lib/errors.js';
import type { StoreConfig } from '../../lib/config/index.js';
import { redact } from '../../lib/log/index.js';
import { EXIT } from '../exit-codes.js';
import { incidentSummary, table, timelineLine } from '../format.js';
import { IncidentNotFoundError } from '../../lib/incidents/index.js';

export const INCIDENTS_HELP = `Usage: freezer-dr incidents [ID] [--open] [--json] [--html FILE] [--remote] [--config FILE]
       freezer-dr incidents close ID --reason TEXT [--remote] [--json]
       freezer-dr incidents retry ID [--json] [--log-file FILE]
       freezer-dr incidents watch ID [--json] [--remote]

Without ID: the incidents in the store, newest first.
With ID: one incident — host, fence, isolation, every instance (old host, new
host, outcome, time), notifications, and the timeline.

  --open        only incidents still open
  --json        machine-readable output
  --html FILE   (with ID) write the admin report page, timeline chart included
  --remote      read the deployed stack: the DynamoDB table in FREEZER_DR_STORE_TABLE and,
                with ID, the Step Functions execution of that name (FREEZER_DR_STATE_MACHINE_ARN)
  --config FILE config file (default ./freezer-dr.yaml)

close ID --reason TEXT   close an incident no execution works on any more (refused, exit 4, while one
                         is live): its outcome so far, who closed it, when and why go into its timeline,
                         and the host can be recovered again. With --remote, a RUNNING Step Functions
                         execution of that name also refuses it.
retry ID                 re-plan and evacuate again what did not settle (failed, timed out, never sent),
                         in-process; only when the host's power-off was confirmed (S1). Each instance
                         is read in Nova first: one Nova already moved is recorded, never sent again (S5).
                         Also resumes an interrupted run (Ctrl-C during recover).
watch ID                 follow the incident's timeline until it ends (--json: one event per line);
                         exit as the incident ends (0 resolved, 1 otherwise)`;

// eslint-disable-next-line max-lines-per-function -- one command, its modes (list, show, --html, --remote) read top to bottom
export async function incidentsCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void = out,
): Promise<number> {
  const action = argv[0];
  if (action === 'close' || action === 'retry' || action === 'watch') {
    const { incidentAction } = await import('./incident-actions.js');
    return incidentAction(action, argv.slice(1), out, err);
  }
  const { values, positionals } = parse(
    'incidents',
    argv,
    {
      open: { type: 'boolean' },
      json: { type: 'boolean' },
      html: { type: 'string' },
      remote: { type: 'boolean' },
      config: { type: 'string' },
    },
    true,
  );
  if (values.help) return (out(INCIDENTS_HELP), EXIT.ok);
  let storeConfig: StoreConfig;
  let timeZone = 'UTC';
  if (values.remote) {
    const table = process.env.FREEZER_DR_STORE_TABLE;
    if (!table)
      throw new UserInputError(
        'incidents --remote: FREEZER_DR_STORE_TABLE is not set (the stack output IncidentsTableName)',
      );
    storeConfig = { driver: 'dynamodb', table, region: process.env.AWS_REGION };
  } else {
    const config = await requireConfig(values.config);
    storeConfig = config.store;
    timeZone = config.notification.timeZone;
  }
  const { createStore } = await import('../../lib/incidents/index.js');
  const store = await createStore(storeConfig);
  try {
    const id = positionals[0];
    if (!id) {
      const list = await store.listIncidents({ openOnly: values.open ?? false, limit: 100 });
      if (values.json) out(JSON.stringify(list, null, 2));
      else
        out(
          list.length
            ? table(
                ['id', 'host', 'status', 'created', 'closed', 'requested by'],
                list.map((i) => [i.id, i.host, i.status, i.createdAt, i.closedAt, i.requestedBy]),
              )
            : 'no incidents',
        );
      return EXIT.ok;
    }
    if (values.remote) await printExecution(id, out);
    const incident = await store.getIncident(id);
    if (!incident) throw new IncidentNotFoundError(id);
    const instances = await store.listInstances(id);
    const events = await store.listEvents(id);
    if (values.html) {
      const { renderIncidentHtml } = await import('../../lib/notify/index.js');
      await writeFile(values.html, renderIncidentHtml({ incident, instances, events }, { timeZone }));
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

/** The Step Functions execution named after the incident (its status is the truth for a deployed run). */
async function printExecution(id: string, out: (s: string) => void): Promise<void> {
  const arn = process.env.FREEZER_DR_STATE_MACHINE_ARN;
  if (!arn)
    throw new UserInputError(
      'incidents --remote ID: FREEZER_DR_STATE_MACHINE_ARN is not set (the stack output RecoveryStateMachineArn)',
    );
  const { describeRecoveryExecution } = await import('../../lib/aws/index.js');
  const exec = await describeRecoveryExecution({ stateMachineArn: arn, name: id });
  if (!exec) return out(`execution ${id}: none in ${arn}`);
  out(`execution ${exec.name}: ${exec.status} (started ${exec.startDate ?? '-'}, stopped ${exec.stopDate ?? '-'})`);
  if (exec.error) out(`  ${exec.error}: ${redact(exec.cause ?? '')}`);
}
