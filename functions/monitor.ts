import middy from '@middy/core';
import { redactErrors } from './middleware/task.js';
import { sampleWithinWindow, startRecoveryExecution } from '../lib/aws/index.js';
import { runMonitorPass } from '../lib/monitor/index.js';
import { getRuntime } from '../lib/workflow/index.js';

/**
 * Scheduled once a minute: a monitor pass every `monitor.intervalSeconds` within that minute
 * (one pass when it is 60 or more); each failed host gets one Step Functions execution named after
 * its incident. The result describes the last pass, with every execution started in the minute.
 */
export const handler = middy(async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => {
  const stateMachineArn = process.env.FREEZER_DR_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error('FREEZER_DR_STATE_MACHINE_ARN is not set');
  const rt = await getRuntime();
  let last: Awaited<ReturnType<typeof runMonitorPass>> | undefined;
  const started: Awaited<ReturnType<typeof runMonitorPass>>['started'] = [];
  await sampleWithinWindow(
    async () => {
      last = await runMonitorPass(rt, async (input) => {
        const r = await startRecoveryExecution({ stateMachineArn, name: input.incidentId, input });
        return { started: r.outcome === 'started', detail: `${r.outcome}: ${r.executionArn}` };
      });
      started.push(...last.started);
    },
    {
      intervalMs: rt.config.monitor.intervalSeconds * 1000,
      remainingMs: context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis!() : undefined,
    },
  );
  const decision = last!.decision;
  return {
    at: decision.at,
    gates: decision.gates,
    started,
    hosts: decision.hosts.map((h) => ({ host: h.host, verdict: h.verdict })),
  };
}).use(redactErrors());
