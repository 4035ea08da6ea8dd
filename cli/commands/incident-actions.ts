import { parse } from '../args.js';
import { openRuntime, requireConfig } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { timelineLine } from '../format.js';
import { chooseLog } from '../logs.js';
import { operatorName } from '../operator.js';
import { runUntilDoneOrInterrupted } from '../runs.js';
import { RefusedError, UserInputError } from '../../lib/errors.js';
import type { StoreConfig } from '../../lib/config/index.js';
import { IncidentNotFoundError, TERMINAL_STATUSES, type IncidentStore } from '../../lib/incidents/index.js';
import { getLogger } from '../../lib/log/index.js';
import { sleep } from '../../lib/async/index.js';
import { closeIncident, prepareRetry } from '../../lib/workflow/index.js';

type Out = (s: string) => void;

/** The store of --remote (the stack's DynamoDB table), or of the config file. */
async function storeConfigFrom(remote: boolean, configFlag: string | undefined, what: string): Promise<StoreConfig> {
  if (!remote) return (await requireConfig(configFlag)).store;
  const table = process.env.FREEZER_DR_STORE_TABLE;
  if (!table)
    throw new UserInputError(
      `${what} --remote: FREEZER_DR_STORE_TABLE is not set (the stack output IncidentsTableName)`,
    );
  return { driver: 'dynamodb', table, region: process.env.AWS_REGION };
}

async function openStore(config: StoreConfig): Promise<IncidentStore> {
  const { createStore } = await import('../../lib/incidents/index.js');
  return createStore(config);
}

function incidentId(positionals: string[], what: string): string {
  const id = positionals[0];
  if (!id || positionals.length > 1)
    throw new UserInputError(`incidents ${what}: expected one incident id`, {
      hint: `e.g. freezer-dr incidents ${what} inc-compute-1-20261201T101500Z (ids: freezer-dr incidents --open)`,
    });
  return id;
}

/** With --remote, Step Functions' word on the execution named after the incident: RUNNING refuses. */
async function refuseRunningExecution(id: string): Promise<void> {
  const arn = process.env.FREEZER_DR_STATE_MACHINE_ARN;
  if (!arn)
    throw new UserInputError(
      'incidents close --remote: FREEZER_DR_STATE_MACHINE_ARN is not set (the stack output RecoveryStateMachineArn)',
    );
  const { describeRecoveryExecution } = await import('../../lib/aws/index.js');
  const exec = await describeRecoveryExecution({ stateMachineArn: arn, name: id });
  if (exec && (exec.status === 'RUNNING' || exec.status === 'PENDING_REDRIVE'))
    throw new RefusedError(`incident ${id}: its Step Functions execution is ${exec.status}; nothing was done`, {
      hint: `wait for it (freezer-dr incidents watch ${id} --remote), or stop it in Step Functions first`,
    });
}

async function closeAction(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(
    'incidents close',
    argv,
    { reason: { type: 'string' }, remote: { type: 'boolean' }, json: { type: 'boolean' }, config: { type: 'string' } },
    true,
  );
  if (values.help) return (out((await import('./incidents.js')).INCIDENTS_HELP), EXIT.ok);
  const id = incidentId(positionals, 'close');
  const reason = values.reason?.trim();
  if (!reason)
    throw new UserInputError('incidents close: --reason is required (it goes into the timeline)', {
      hint: `e.g. freezer-dr incidents close ${id} --reason "host repaired by hand"`,
    });
  const store = await openStore(await storeConfigFrom(values.remote ?? false, values.config, 'incidents close'));
  try {
    if (values.remote) await refuseRunningExecution(id);
    const incident = await closeIncident({ store, log: getLogger(), now: () => new Date() }, id, {
      reason: reason.slice(0, 500),
      by: operatorName(),
    });
    if (values.json) out(JSON.stringify({ incident }));
    else {
      out(`closed incident ${id} as ${incident.status} (${incident.error?.message ?? ''})`);
      out(`${incident.host} can be recovered again: freezer-dr recover --host ${incident.host} --dry-run`);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function retryAction(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(
    'incidents retry',
    argv,
    { json: { type: 'boolean' }, 'log-file': { type: 'string' }, config: { type: 'string' } },
    true,
  );
  if (values.help) return (out((await import('./incidents.js')).INCIDENTS_HELP), EXIT.ok);
  const id = incidentId(positionals, 'retry');
  const config = await requireConfig(values.config);
  const logs = chooseLog(config, values['log-file']);
  const start = Date.now();
  const rt = await openRuntime(config, {
    onEvent: values.json ? undefined : (_id, e) => out(timelineLine(start, e)),
    ...(logs.log ? { log: logs.log } : {}),
  });
  try {
    const plan = await prepareRetry(rt, id, operatorName());
    if (plan.kind === 'nothing') {
      out(
        values.json
          ? JSON.stringify({ retried: false, why: plan.why, incident: plan.incident })
          : `nothing to retry: ${plan.why}`,
      );
      return EXIT.ok;
    }
    if (!values.json && logs.file) out(`JSON logs: ${logs.file}`);
    return await runUntilDoneOrInterrupted(rt, plan.input, values.json ?? false, out);
  } finally {
    await rt.store.close();
  }
}

async function watchAction(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(
    'incidents watch',
    argv,
    { json: { type: 'boolean' }, remote: { type: 'boolean' }, config: { type: 'string' } },
    true,
  );
  if (values.help) return (out((await import('./incidents.js')).INCIDENTS_HELP), EXIT.ok);
  const id = incidentId(positionals, 'watch');
  const store = await openStore(await storeConfigFrom(values.remote ?? false, values.config, 'incidents watch'));
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    let incident = await store.getIncident(id);
    if (!incident) throw new IncidentNotFoundError(id);
    const start = Date.parse(incident.createdAt);
    if (!values.json) out(`incident ${id} for ${incident.host}: ${incident.status}`);
    let shown = 0;
    const pollMs = Number(process.env.FREEZER_DR_WATCH_POLL_MS ?? 1000);
    for (;;) {
      const events = await store.listEvents(id);
      for (const e of events.slice(shown))
        out(values.json ? JSON.stringify({ incidentId: id, ...e }) : timelineLine(start, e));
      shown = events.length;
      if (TERMINAL_STATUSES.has(incident.status) || abort.signal.aborted) break;
      await sleep(pollMs, abort.signal).catch(() => undefined);
      incident = (await store.getIncident(id)) ?? incident;
    }
    if (abort.signal.aborted) return EXIT.interrupted;
    if (!values.json) out(`incident ${id} ended ${incident.status}`);
    return incident.status === 'resolved' ? EXIT.ok : EXIT.failed;
  } finally {
    process.off('SIGINT', onSigint);
    await store.close();
  }
}

export function incidentAction(
  action: 'close' | 'retry' | 'watch',
  argv: string[],
  out: Out,
  _err: Out,
): Promise<number> {
  if (action === 'close') return closeAction(argv, out);
  if (action === 'retry') return retryAction(argv, out);
  return watchAction(argv, out);
}
