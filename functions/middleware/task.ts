import middy from '@middy/core';
import type { z } from 'zod';
import { formatIssues } from '../../lib/config/issues.js';
import { getLogger, redact, redactText, setInvocationContext } from '../../lib/log/index.js';
import { createEmfSink, setMetricSinks } from '../../lib/metrics/index.js';
import { InvalidExecutionInputError } from '../../lib/workflow/errors.js';
import { getRuntime, type Runtime } from '../../lib/workflow/runtime.js';

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

/** A state machine Task: zod-parse the input, run one lib/ step with the runtime, return redacted JSON. */
export function stepHandler<S extends z.ZodType, R>(schema: S, step: (rt: Runtime, input: z.output<S>) => Promise<R>) {
  return middy(async (event: unknown): Promise<R> => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) throw new InvalidExecutionInputError(formatIssues(parsed.error));
    return redact(await step(await getRuntime(), parsed.data));
  })
    .use(redactErrors())
    .use(invocationContext());
}
