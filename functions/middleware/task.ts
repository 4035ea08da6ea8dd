import middy from '@middy/core';
import type * as z from 'zod';
import { formatIssues } from '../../lib/config/index.js';
import { getLogger, redact, redactText, setInvocationContext } from '../../lib/log/index.js';
import { createEmfSink, setMetricSinks } from '../../lib/metrics/index.js';
import { InvalidExecutionInputError, TaskDeadlineError } from '../../lib/workflow/index.js';
import { getRuntime, type Runtime } from '../../lib/workflow/index.js';

// In a Lambda, metrics are EMF lines on stdout; in-process (CLI, tests) the caller chooses its sinks.
if (process.env.AWS_LAMBDA_FUNCTION_NAME) setMetricSinks([createEmfSink()]);

let coldStart = true;

/**
 * What Powertools Logger would add, without its cold-start cost: each line of an invocation
 * carries the request id, whether this was the container's first invocation, and the X-Ray
 * trace id when tracing is on. Registered after the S6 guard (whose onError must run last).
 */
export const invocationContext = (): middy.MiddlewareObj => ({
  before: async (request) => {
    const ctx = request.context as { awsRequestId?: string; functionName?: string } | undefined;
    setInvocationContext({
      requestId: ctx?.awsRequestId,
      function: ctx?.functionName,
      coldStart,
      ...(process.env._X_AMZN_TRACE_ID ? { xrayTraceId: process.env._X_AMZN_TRACE_ID.split(';')[0] } : {}),
    });
    coldStart = false;
  },
});

/**
 * S6 guard, registered first so its onError runs last: whatever a step throws leaves the
 * Lambda with its `name` intact (the ASL Retry/Catch rules match on it) and its message
 * scrubbed of any registered secret. It never sets a response: the error must reach Step Functions.
 */
export const redactErrors = (): middy.MiddlewareObj => ({
  onError: async (request) => {
    const err = request.error;
    if (!err) return;
    err.message = redactText(err.message);
    if (err.stack) err.stack = redactText(err.stack);
    getLogger().error('task failed', { error: err.name, message: err.message });
  },
});

/**
 * How long before Lambda's own timeout a Task stops itself: enough for the abort to reach every
 * socket and for the named error to be logged and returned (middy's default is 5 ms, too little
 * for a BMC session to be closed).
 */
export const TASK_DEADLINE_MARGIN_MS = 3000;

/**
 * A state machine Task: zod-parse the input, run one lib/ step with the runtime and middy's abort
 * signal (fired TASK_DEADLINE_MARGIN_MS before the Lambda timeout, with TaskDeadlineError as the
 * Task's error), return redacted JSON.
 */
export function stepHandler<S extends z.ZodType, R>(
  schema: S,
  step: (rt: Runtime, input: z.output<S>, signal?: AbortSignal) => Promise<R>,
) {
  return middy(
    async (event: unknown, _context: unknown, opts?: { signal?: AbortSignal }): Promise<R> => {
      const parsed = schema.safeParse(event);
      if (!parsed.success) throw new InvalidExecutionInputError(formatIssues(parsed.error));
      const startedAt = Date.now();
      const out = redact(await step(await getRuntime(), parsed.data, opts?.signal));
      // Debug level only: with the http exchange lines, where a recovery's time goes between Tasks.
      getLogger().debug('task done', { startedAt: new Date(startedAt).toISOString(), ms: Date.now() - startedAt });
      return out;
    },
    {
      timeoutEarlyInMillis: TASK_DEADLINE_MARGIN_MS,
      timeoutEarlyResponse: () => {
        throw new TaskDeadlineError(TASK_DEADLINE_MARGIN_MS);
      },
    },
  )
    .use(redactErrors())
    .use(invocationContext());
}
