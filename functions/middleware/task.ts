import middy from '@middy/core';
import type * as z from 'zod';
import { formatIssues } from '../../lib/config/index.js';
import { getLogger, redact, redactText } from '../../lib/log/index.js';
import { InvalidExecutionInputError } from '../../lib/workflow/index.js';
import { getRuntime, type Runtime } from '../../lib/workflow/index.js';

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
  }).use(redactErrors());
}
