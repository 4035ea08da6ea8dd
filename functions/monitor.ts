import middy from '@middy/core';
import { redactErrors } from './middleware/task.js';
import { startRecoveryExecution } from '../lib/aws/index.js';
import { runMonitorPass } from '../lib/monitor/index.js';
import { getRuntime } from '../lib/workflow/index.js';

/** Scheduled: one monitor pass; each failed host gets one Step Functions execution named after its incident. */
export const handler = middy(async () => {
  const stateMachineArn = process.env.FREEZER_DR_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error('FREEZER_DR_STATE_MACHINE_ARN is not set');
  const { decision, started } = await runMonitorPass(await getRuntime(), async (input) => {
    const r = await startRecoveryExecution({ stateMachineArn, name: input.incidentId, input });
    return { started: r.outcome === 'started', detail: `${r.outcome}: ${r.executionArn}` };
  });
  return {
    at: decision.at,
    gates: decision.gates,
    started,
    hosts: decision.hosts.map((h) => ({ host: h.host, verdict: h.verdict })),
  };
}).use(redactErrors());
