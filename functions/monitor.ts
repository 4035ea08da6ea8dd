import middy from '@middy/core';
import { invocationContext, redactErrors } from './middleware/task.js';
import { recordMonitorPass, recordMonitorPassFailed } from '../lib/metrics/index.js';
import { publishPassEvents } from '../lib/events/index.js';
import { sampleWithinWindow, startRecoveryExecution } from '../lib/aws/index.js';
import { runMonitorPass, type MonitorPassResult } from '../lib/monitor/index.js';
import { getRuntime } from '../lib/workflow/index.js';

/**
 * Scheduled once a minute: a monitor pass every `monitor.intervalSeconds` within that minute
 * (one pass when it is 60 or more); each failed host gets one Step Functions execution named after
 * its incident. Every pass records its metrics and events; the result describes the last pass,
 * with every execution started in the minute.
 */
export const handler = middy(async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => {
  const stateMachineArn = process.env.FREEZER_DR_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error('FREEZER_DR_STATE_MACHINE_ARN is not set');
  const rt = await getRuntime();
  let last: MonitorPassResult | undefined;
  const started: MonitorPassResult['started'] = [];
  await sampleWithinWindow(
    async () => {
      const t0 = performance.now();
      const pass = await runMonitorPass(rt, async (input) => {
        const r = await startRecoveryExecution({ stateMachineArn, name: input.incidentId, input });
        return { started: r.outcome === 'started', detail: `${r.outcome}: ${r.executionArn}` };
      }).catch((err: unknown) => {
        recordMonitorPassFailed((performance.now() - t0) / 1000);
        throw err;
      });
      recordMonitorPass(pass.decision, pass.started.filter((s) => s.started).length, (performance.now() - t0) / 1000);
      await publishPassEvents(rt, pass.decision, pass.started);
      last = pass;
      started.push(...pass.started);
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
})
  .use(redactErrors())
  .use(invocationContext());
