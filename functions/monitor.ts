import middy from '@middy/core';
import { invocationContext, redactErrors } from './middleware/task.js';
import { recordMonitorPass, recordMonitorPassFailed } from '../lib/metrics/index.js';
import { publishPassEvents } from '../lib/events/index.js';
import { startRecoveryExecution } from '../lib/aws/index.js';
import { runMonitorPass } from '../lib/monitor/index.js';
import { getRuntime } from '../lib/workflow/index.js';

/** Scheduled: one monitor pass; each failed host gets one Step Functions execution named after its incident. */
export const handler = middy(async () => {
  const stateMachineArn = process.env.FREEZER_DR_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error('FREEZER_DR_STATE_MACHINE_ARN is not set');
  const t0 = performance.now();
  const rt = await getRuntime();
  const { decision, started } = await runMonitorPass(rt, async (input) => {
    const r = await startRecoveryExecution({ stateMachineArn, name: input.incidentId, input });
    return { started: r.outcome === 'started', detail: `${r.outcome}: ${r.executionArn}` };
  }).catch((err: unknown) => {
    recordMonitorPassFailed((performance.now() - t0) / 1000);
    throw err;
  });
  recordMonitorPass(decision, started.filter((s) => s.started).length, (performance.now() - t0) / 1000);
  await publishPassEvents(rt, decision, started);
  return {
    at: decision.at,
    gates: decision.gates,
    started,
    hosts: decision.hosts.map((h) => ({ host: h.host, verdict: h.verdict })),
  };
})
  .use(redactErrors())
  .use(invocationContext());
