import { stepHandler } from './middleware/task.js';
import { IsolateStepInputSchema } from '../lib/workflow/schemas.js';
import { isolateStep } from '../lib/workflow/steps/isolate.js';

export const handler = stepHandler(IsolateStepInputSchema, isolateStep);
