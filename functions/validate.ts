import middy from '@middy/core';
import { redactErrors } from './middleware/task.js';
import { getRuntime } from '../lib/workflow/index.js';
import { validateStep } from '../lib/workflow/index.js';

/** First state: the raw execution input is validated by the step itself (size, schema, host). */
export const handler = middy(async (event: unknown) => validateStep(await getRuntime(), event)).use(redactErrors());
