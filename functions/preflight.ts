import middy from '@middy/core';
import { redactErrors } from './middleware/task.js';
import { getRuntime, preflightAndAlert, scheduledCapacity } from '../lib/workflow/index.js';

/**
 * Scheduled daily: the preflight, then the capacity check; the admins are mailed when a check
 * starts failing, and once when the cloud can no longer absorb the loss of its worst-case host.
 */
export const handler = middy(async () => {
  const rt = await getRuntime();
  const { report, degraded } = await preflightAndAlert(rt);
  const capacity = await scheduledCapacity(rt, { force: true });
  return {
    at: report.at,
    ok: report.ok,
    failing: report.checks.filter((c) => !c.ok),
    newlyFailing: degraded.length,
    capacity: capacity.report
      ? { ok: capacity.report.ok, worstCase: capacity.report.worstCase, mailed: capacity.mailed }
      : null,
  };
}).use(redactErrors());
