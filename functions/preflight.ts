import middy from '@middy/core';
import { redactErrors } from './middleware/task.js';
import { getRuntime, preflightAndAlert } from '../lib/workflow/index.js';

/** Scheduled daily: the preflight; the admins are mailed when a check starts failing. */
export const handler = middy(async () => {
  const { report, degraded } = await preflightAndAlert(await getRuntime());
  return {
    at: report.at,
    ok: report.ok,
    failing: report.checks.filter((c) => !c.ok),
    newlyFailing: degraded.length,
  };
}).use(redactErrors());
