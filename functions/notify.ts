import { stepHandler } from './middleware/task.js';
import { NotifyStepInputSchema } from '../lib/workflow/schemas.js';
import { notifyStep } from '../lib/workflow/steps/notify.js';

export const handler = stepHandler(NotifyStepInputSchema, notifyStep);
